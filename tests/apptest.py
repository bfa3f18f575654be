"""What the page tests share: the app under Streamlit's AppTest, its data dir, and reading the page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from simulator.history import History

from .helpers import ROOT

APP = str(ROOT / "app.py")
TIMEOUT = 180  # the first run waits for the model and the index


def run(at: AppTest) -> AppTest:
    at.run(timeout=TIMEOUT)
    assert not at.exception, [e.value for e in at.exception]
    return at


def page(path: str, **state: Any) -> AppTest:
    """The app opened on the page at `path` (e.g. "ui/progress.py"), with `state` in its session."""
    at = run(AppTest.from_file(APP, default_timeout=TIMEOUT))
    for key, value in state.items():
        at.session_state[key] = value
    return run(at.switch_page(path))


def fresh_history(home: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> History:
    """The app pointed at `home` and `corpus` (one data dir per module: the engine is built once per
    process), and its history, emptied."""
    monkeypatch.setenv("SIM_HOME", str(home))
    monkeypatch.setenv("SIM_CORPUS", str(corpus))
    history = History(home / "history.sqlite3")
    history.reset()
    return history


def kept_media(monkeypatch: pytest.MonkeyPatch) -> list[MediaFileManager]:
    """The media file manager of each AppTest run from now on, kept to read what a download offers."""
    managers: list[MediaFileManager] = []

    class Kept(MediaFileManager):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            managers.append(self)

    monkeypatch.setattr("streamlit.testing.v1.app_test.MediaFileManager", Kept)
    return managers


def shown(at: AppTest) -> str:
    """Every piece of text on the page as a reader sees it (escapes removed), one per line."""
    parts: list[str] = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "error", "success", "text", "code"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [str(e.label) for e in at.expander]
    return unescaped("\n".join(parts))


def unescaped(md: str) -> str:
    """Markdown with its backslash escapes removed: the text a reader sees."""
    return re.sub(r"\\(.)", r"\1", md).replace("\u2060", "")
