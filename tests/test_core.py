"""The core stays importable without Streamlit, offline, and keeps secrets out of reprs."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from simulator import Settings
from simulator.text import clean, split_sentences

from .helpers import netguard, subprocess_env


def test_core_does_not_import_streamlit() -> None:
    code = "import simulator, simulator.cli, simulator.engine, simulator.store, sys; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_outbound_network_is_blocked_but_loopback_is_not() -> None:
    with pytest.raises(netguard.OutboundBlocked):
        socket.create_connection(("203.0.113.1", 443), timeout=1)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    with socket.create_connection(server.getsockname(), timeout=1):
        pass
    server.close()


def test_child_processes_are_guarded_too() -> None:
    code = "import socket; socket.create_connection(('203.0.113.1', 443), timeout=1)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env())
    assert out.returncode != 0 and "outbound network is blocked" in out.stderr


def test_api_key_is_not_in_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-SECRET-123")
    settings = Settings()
    assert settings.api_key == "sk-test-SECRET-123"
    assert "SECRET" not in repr(settings)


def test_clean_removes_control_characters_and_lone_surrogates() -> None:
    assert clean("a\x00b\u200bc \ud800 d\r\n\n e") == "a b c d\ne"


def test_split_sentences_handles_bullets_abbreviations_and_long_runs() -> None:
    text = "Use DVC, e.g. with S3. It scales!\n- first item\n2) second item"
    assert split_sentences(text) == ["Use DVC, e.g. with S3.", "It scales!", "first item", "second item"]
    long = " ".join(["word"] * 130)
    assert [len(s.split()) for s in split_sentences(long)] == [60, 60, 10]
