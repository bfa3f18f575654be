"""Every page opens from its own address, as a bookmark or a shared link does."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

from .helpers import Browser, Server, idle

pytestmark = pytest.mark.e2e

# Each page's address and a heading or label only that page shows.
PAGES = {
    "practice": "Your answer",
    "mock-interview": "Mock interview",
    "progress": "Progress",
    "question-bank": "Question bank",
    "settings": "Who grades your answers",
}


@pytest.mark.parametrize("path", PAGES)
def test_a_deep_link_opens_its_page(server: Server, browser: Browser, path: str) -> None:
    page: Any = browser.context.new_page()  # type: ignore[attr-defined]
    page.goto(f"{server.url}/{path}")
    page.get_by_text(PAGES[path], exact=False).first.wait_for(timeout=60_000)
    idle(page)
    assert page.get_by_text("Page not found").count() == 0
    assert urlparse(page.url).path == f"/{path}"
    page.close()
