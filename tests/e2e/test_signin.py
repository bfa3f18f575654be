"""Sign-in on a team server: a real OIDC provider on loopback (oidc-provider-mock), the app with an
`[auth]` section, two candidates and a coach in separate Chromium contexts.

Each candidate answers and sees only their own history and export; the coach sees both on the
Cohort page; a candidate who types the Cohort page's address is refused; sign-out ends the session.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.bank import Corpus

from ..helpers import copy_corpus, free_port
from .helpers import Server, answer_box, chromium_context, idle, streamlit_app
from .oidc import LADDERS, QUESTION, WORD_JOINER, oidc_provider, secrets_toml, sign_in

pytestmark = pytest.mark.e2e

NOT_TOML = '[auth]\nredirect_uri = "http://127.0.0.1:8501/oauth2callback\n'  # an unterminated string


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with oidc_provider() as url:
        yield url


@pytest.fixture(scope="module")
def team_app(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("signin")
    secrets = base / "secrets.toml"
    secrets.write_text(secrets_toml(provider))
    with streamlit_app(base, copy_corpus(base / "corpus"), "--secrets.files", str(secrets)) as srv:
        yield srv


def answer(page: Any, app: Server, text: str) -> None:
    page.goto(f"{app.url}/practice?q={QUESTION}")
    answer_box(page).fill(text)
    page.get_by_role("button", name="Grade my answer").click()
    page.locator('[data-testid="stMetric"]').filter(has_text="Score").first.wait_for(timeout=120_000)
    idle(page)


def exported(page: Any, app: Server) -> list[dict[str, Any]]:
    page.goto(f"{app.url}/progress")
    page.get_by_text("Recent answers and exports").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="All attempts (JSON)").click()
    return json.loads(Path(download.value.path()).read_text())  # type: ignore[no-any-return]


def test_two_candidates_and_a_coach(team_app: Server) -> None:
    bank = Corpus.load(team_app.corpus)
    alice_answer = LADDERS[QUESTION]["excellent"].strip()
    bob_answer = LADDERS[QUESTION]["partial"].strip()
    with chromium_context() as chromium:
        alice, bob, carol = (chromium.new_context(accept_downloads=True).new_page() for _ in range(3))

        # Nothing but the sign-in page before signing in, whatever the address.
        alice.goto(f"{team_app.url}/progress")
        alice.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
        idle(alice)
        assert alice.get_by_role("heading", name="Progress").count() == 0
        assert alice.get_by_role("link", name="Practice").count() == 0

        sign_in(alice, team_app.url, "alice")
        answer(alice, team_app, alice_answer)
        sign_in(bob, team_app.url, "bob")
        answer(bob, team_app, bob_answer)

        mine, theirs = exported(alice, team_app), exported(bob, team_app)
        assert [a["answer"] for a in mine] == [alice_answer]
        assert [a["answer"] for a in theirs] == [bob_answer]
        assert bob.get_by_text(re.compile(bank.get(QUESTION).prompt[:30])).count() >= 1

        # A candidate has no Cohort page in the bar, and its address is refused; so is someone who
        # signed up with a coach's address that the provider never verified.
        assert bob.get_by_role("link", name="Cohort").count() == 0
        mallory = chromium.new_context().new_page()
        sign_in(mallory, team_app.url, "mallory")
        for candidate in (bob, mallory):
            assert candidate.get_by_role("link", name="Cohort").count() == 0
            candidate.goto(f"{team_app.url}/cohort")
            candidate.get_by_text("The Cohort page is for coaches").wait_for(timeout=30_000)
            idle(candidate)
            shown = candidate.inner_text("body").replace(WORD_JOINER, "")
            assert "alice@example.com" not in shown and "Activity (CSV)" not in shown

        sign_in(carol, team_app.url, "carol")
        carol.get_by_role("link", name="Cohort").click()
        carol.get_by_role("heading", name="Cohort", exact=True).wait_for(timeout=30_000)
        idle(carol)
        with carol.expect_download() as download:
            carol.get_by_role("button", name="Activity (CSV)").click()
        table = Path(download.value.path()).read_text()
        assert "alice@example.com" in table and "bob@example.com" in table

        # Signing out ends the session: the next visit asks to sign in again.
        alice.get_by_role("button", name="Sign out").click()
        alice.get_by_role("button", name="End session").click()  # the provider's own sign-out page
        alice.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
        alice.goto(f"{team_app.url}/progress")
        alice.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
        idle(alice)
        assert alice.get_by_text("Signed in as").count() == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"client_secret": ""}, "lacks client_secret"),
        ({"redirect_uri": "http://127.0.0.1:{port}/"}, "must end with /oauth2callback"),
        ({"server_metadata_url": "http://127.0.0.1:{dead}/.well-known/openid-configuration"}, "does not answer"),
        ({"broken": "not TOML"}, "The secrets file cannot be read"),
    ],
    ids=["no-client-secret", "bad-redirect", "provider-down", "secrets-not-toml"],
)
def test_a_misconfigured_sign_in_says_so_and_lets_no_one_in(
    overrides: dict[str, str], message: str, provider: str, tmp_path: Path
) -> None:
    overrides = {k: v.replace("{dead}", str(free_port())) for k, v in overrides.items()}
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(NOT_TOML if overrides.get("broken") else secrets_toml(provider, **overrides))
    with (
        streamlit_app(tmp_path, copy_corpus(tmp_path / "corpus"), "--secrets.files", str(secrets)) as app,
        chromium_context() as chromium,
    ):
        page = chromium.new_page()
        page.goto(f"{app.url}/practice")
        page.get_by_text(re.compile(message)).wait_for(timeout=60_000)
        idle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.get_by_role("link", name="Practice").count() == 0
        assert answer_box(page).count() == 0
        assert message in app.log.read_text()
