"""Sign-in in the browser tests: an OIDC provider on loopback (oidc-provider-mock) and its accounts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml

from ..helpers import ROOT, free_port
from .helpers import idle

QUESTION = "seed-data-vs-concept-drift"
LADDERS = {r["question_id"]: r for r in yaml.safe_load((ROOT / "tests" / "data" / "ladders.yaml").read_text())}
WORD_JOINER = "\u2060"  # the page breaks autolinks in emails with it
COACH = "coach@example.com"
VERIFIED = {"alice": "alice@example.com", "bob": "bob@example.com", "carol": COACH}
PEOPLE = {**VERIFIED, "mallory": COACH}  # mallory's address is the coach's, never verified


def secrets_toml(provider: str, **overrides: str) -> str:
    """An `[auth]` section for one OIDC provider, as DEPLOY.md shows it; `overrides` replace lines."""
    auth = {
        "redirect_uri": "http://127.0.0.1:{port}/oauth2callback",  # Streamlit fills in its own port
        "cookie_secret": "test-cookie-secret-of-at-least-32-characters",
        "client_id": "interview-sim",
        "client_secret": "test-client-secret",
        "server_metadata_url": f"{provider}/.well-known/openid-configuration",
        **overrides,
    }
    lines = ["[auth]", *(f"{k} = {json.dumps(v)}" for k, v in auth.items() if v)]
    return "\n".join([*lines, "", "[roles]", 'coaches = ["coach@example.com"]', ""])


@contextmanager
def oidc_provider() -> Iterator[str]:
    """A real OIDC provider with one-click accounts for PEOPLE (subject "<name>-sub"): its base URL."""
    from oidc_provider_mock import User, run_server_in_thread

    users = [
        User(sub=f"{name}-sub", claims={"email": email, "email_verified": True, "name": name.title()})
        for name, email in VERIFIED.items()
    ]
    users.append(User(sub="mallory-sub", claims={"email": COACH, "email_verified": False}))
    with run_server_in_thread(port=free_port(), user_claims=users) as srv:
        yield f"http://localhost:{srv.server_port}"


def sign_in(page: Any, url: str, who: str) -> None:
    """Sign in at the app's `url` as one of PEOPLE, through the provider's page."""
    page.goto(url)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name=f"{who}-sub").click()  # the provider's one-click account
    signed_in = page.get_by_text("Signed in as")
    signed_in.wait_for(timeout=90_000)
    idle(page)
    assert PEOPLE[who] in signed_in.inner_text().replace(WORD_JOINER, "")
