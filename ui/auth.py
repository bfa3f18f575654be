"""Who is using the app: one local user on a laptop, or an OIDC sign-in (Streamlit's `st.login`).

With no `[auth]` section in `.streamlit/secrets.toml` the app is one person's, as it always was.
With one, nothing but the sign-in page is drawn until the person signs in with the configured
provider; their OIDC subject owns every attempt they make, and the emails listed as coaches
(`[roles] coaches` in the secrets, or `SIM_COACHES`) also get the Cohort page. A broken `[auth]`
section or an unreachable provider stops the app with one sentence: it never falls back to the
local user, whose history every visitor would then share.
"""

from __future__ import annotations

import logging
import os
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from simulator.history import LOCAL_USER
from ui.text import md_escape

USER = "_user"  # session state: the User this session belongs to
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
PROVIDER_TIMEOUT = 5.0  # seconds to wait for the provider's metadata before saying it does not answer
PROVIDER_RECHECK = 30.0  # seconds a provider's answer is trusted before it is asked again

log = logging.getLogger("interview_sim.auth")
_provider_seen: dict[str, float] = {}  # metadata URL -> when it last answered


@dataclass(frozen=True)
class User:
    """The person a session belongs to: an OIDC subject, or the laptop's single local user."""

    id: str
    name: str
    email: str | None = None
    coach: bool = False
    signed_in: bool = False


LOCAL = User(LOCAL_USER, "you")


class SecretsUnreadable(Exception):
    """A secrets file exists but cannot be read: sign-in may be meant, so nothing may run as the local user."""


def _secrets_section(name: str) -> Mapping[str, Any] | None:
    """A section of the secrets; None when there is no secrets file or no such section."""
    from streamlit.errors import StreamlitSecretNotFoundError

    try:
        section = st.secrets.get(name)
    except StreamlitSecretNotFoundError as exc:
        if getattr(exc, "error_id", None) == "no-secrets-found":
            return None
        raise SecretsUnreadable(f"The secrets file cannot be read ({exc}): fix it, then reload the page.") from None
    if section is not None and not isinstance(section, Mapping):
        raise SecretsUnreadable(f"[{name}] in .streamlit/secrets.toml must be a table (a section), not a value.")
    return section


def auth_section() -> Mapping[str, Any] | None:
    """The `[auth]` section of the secrets, or None when sign-in is not configured."""
    return _secrets_section("auth")


def _listed(name: str, env: str) -> frozenset[str]:
    roles = _secrets_section("roles") or {}
    listed = roles.get(name) or os.environ.get(env, "").split(",")
    if isinstance(listed, str):
        listed = listed.split(",")
    return frozenset(str(e).strip() for e in listed if str(e).strip())


def coaches() -> frozenset[str]:
    """Coaches' emails, lower-cased: `[roles] coaches` in the secrets, else `SIM_COACHES` (comma-separated).
    An email makes a coach only when the provider says it is verified (`email_verified`)."""
    return frozenset(e.lower() for e in _listed("coaches", "SIM_COACHES"))


def coach_subjects() -> frozenset[str]:
    """Coaches by OIDC subject (`[roles] coach_subjects`, `SIM_COACH_SUBJECTS`), for providers that do
    not verify emails (Microsoft Entra sends no `email_verified`)."""
    return _listed("coach_subjects", "SIM_COACH_SUBJECTS")


def providers(section: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The providers of an `[auth]` section by name: "default" for the flat form, else its named
    tables (`client_kwargs` is an option of the flat form, not a provider)."""
    named = {k: v for k, v in section.items() if isinstance(v, Mapping) and k != "client_kwargs"}
    return named or {"default": section}


def config_problem(section: Mapping[str, Any]) -> str | None:
    """What is wrong with an `[auth]` section, in one sentence, or None. Checked before `st.login`,
    whose own errors would reach the page as a traceback."""
    where = "the [auth] section of .streamlit/secrets.toml"
    missing = [k for k in ("redirect_uri", "cookie_secret") if not section.get(k)]
    if missing:
        return f"Sign-in is switched on but {where} has no {' or '.join(missing)}: add it (see docs/DEPLOY.md)."
    if not str(section["redirect_uri"]).endswith("/oauth2callback"):
        return f"redirect_uri in {where} must end with /oauth2callback (it is {section['redirect_uri']})."
    for name, provider in providers(section).items():
        absent = [k for k in PROVIDER_KEYS if not provider.get(k)]
        if absent:
            label = "" if name == "default" else f" for the provider {name!r}"
            lacks = ", ".join(absent)
            return f"{where.capitalize()} lacks {lacks}{label}: copy it from your OIDC provider's app settings."
    try:
        import authlib  # noqa: F401  (st.login needs it)
    except ImportError:
        return "Sign-in needs Authlib, which is not installed: reinstall the app (pip install -e .)."
    return None


def provider_problem(url: str) -> str | None:
    """One sentence if the provider's OIDC metadata does not answer, else None (remembered for a while)."""
    if time.monotonic() - _provider_seen.get(url, -PROVIDER_RECHECK) < PROVIDER_RECHECK:
        return None
    try:
        with urllib.request.urlopen(url, timeout=PROVIDER_TIMEOUT) as response:
            response.read(1)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return (
            f"The sign-in provider does not answer at {url} ({reason}). Check server_metadata_url in the [auth] "
            "section of .streamlit/secrets.toml, or try again when the provider is back."
        )
    _provider_seen[url] = time.monotonic()
    return None


def _stop(message: str) -> None:
    log.error(message)
    st.error(md_escape(message), icon=":material/error:")
    st.stop()


def _sign_in_page(section: Mapping[str, Any]) -> None:
    st.title("MLOps interview simulator")
    st.write("Sign in to practise. Your answers are yours alone; your coaches see your activity and scores.")
    named = providers(section)
    for provider in named.values():
        if problem := provider_problem(str(provider["server_metadata_url"])):
            log.error(problem)
            st.error(md_escape(problem), icon=":material/error:")
            st.button("Try again")
            st.stop()
    for name in named:
        label = "Sign in" if len(named) == 1 else f"Sign in with {name}"
        st.button(label, type="primary", key=f"sign_in_{name}", on_click=st.login, args=(name,))
    st.stop()


def _signed_in_user(section: Mapping[str, Any]) -> User:
    info = st.user
    subject = str(info.get("sub") or "")
    if not subject:
        _stop("The sign-in provider sent no subject (sub) for this account: the app cannot tell whose data it is.")
    # Subjects are unique per provider only: with several, the issuer is part of the id.
    user_id = subject if len(providers(section)) == 1 else f"{info.get('iss', '')}|{subject}"
    email = str(info.get("email") or "")
    verified = info.get("email_verified") is True and email.lower() in coaches()
    coach = verified or subject in coach_subjects()
    return User(user_id, email or str(info.get("name") or subject), email or None, coach=coach, signed_in=True)


def require_user() -> User:
    """The user of this session; with sign-in configured, the sign-in page until there is one.

    Called by app.py before any page is drawn. A session that changes hands (another sign-in in
    the same tab) starts from empty session state, so nothing of one user is shown to another."""
    try:
        section = auth_section()
    except SecretsUnreadable as exc:
        _stop(str(exc))
        raise  # _stop ends the run; this keeps type checkers content
    if section is None:
        user = LOCAL
    else:
        if problem := config_problem(section):
            _stop(problem)
        if not st.user.is_logged_in:
            _sign_in_page(section)
        user = _signed_in_user(section)
    previous = st.session_state.get(USER)
    if isinstance(previous, User) and previous.id != user.id:
        st.session_state.clear()
    st.session_state[USER] = user
    return user


def current_user() -> User:
    """The user app.py found for this session (the local user in page tests that skip app.py)."""
    user = st.session_state.get(USER)
    return user if isinstance(user, User) else LOCAL


def runs_the_server() -> bool:
    """The laptop's user, or a coach on a team server: the one whose choices become the server's
    defaults (the LLM judge, whose API key goes wherever its base URL says; the voice; the bank) and
    who may see where its data lives. A signed-in candidate's choices last for their session."""
    user = current_user()
    return not user.signed_in or user.coach


def sign_out_control(user: User) -> None:
    """Who is signed in, and a way out (the sidebar), when sign-in is on."""
    if not user.signed_in:
        return
    with st.sidebar:
        role = "coach" if user.coach else "candidate"
        st.caption(f"Signed in as **{md_escape(user.name)}** ({role})")
        st.button("Sign out", key="sign_out", on_click=st.logout)
