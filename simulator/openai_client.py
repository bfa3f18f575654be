"""The one factory for OpenAI clients (the LLM judge and online transcription share it)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx2
import openai

from .config import LLMSettings
from .errors import ConfigError

CONNECT_TIMEOUT = 3.0  # a dead host fails in seconds


def server_name(base_url: str | None) -> str:
    """host:port of a URL, without any user:password part."""
    parts = urlsplit(base_url or "")
    if not parts.hostname:
        return "the configured server"
    return f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname


def make_client(
    settings: LLMSettings, read_timeout: float, max_retries: int = 1, http_client: httpx2.Client | None = None
) -> openai.OpenAI:
    """An OpenAI client for the configured server: short connect timeout, bounded read, few retries.

    `http_client` replaces the transport (tests pass an `httpx2.MockTransport`; openai>=3 is built on
    httpx2, not httpx); timeouts and retries stay the ones set here.
    """
    if not settings.base_url or not re.match(r"^https?://", settings.base_url):
        raise ConfigError("the base URL must start with http:// or https://")
    return openai.OpenAI(
        base_url=settings.base_url,
        # Local servers (llama.cpp, Ollama, vLLM) need no key; the client insists on one.
        api_key=settings.api_key or "no-key",
        timeout=httpx2.Timeout(read_timeout, connect=CONNECT_TIMEOUT),
        max_retries=max_retries,
        http_client=http_client,
    )
