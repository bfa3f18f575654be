"""What the browser tests share: Chromium, the server and browser they run, and reading the page.

Fixtures live in conftest.py; the test modules import these plain helpers, never each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Server:
    url: str
    home: Path
    corpus: Path
    log: Path
    spawned_at: float
    healthy_at: float
    timings: dict[str, float] = field(default_factory=dict)

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


@dataclass
class Browser:
    context: object
    requests: list[str]

    def outside_requests(self) -> list[str]:
        """Requests to anything but this machine (data: and blob: URLs never leave it)."""
        out = []
        for url in self.requests:
            parsed = urlparse(url)
            if parsed.scheme in ("data", "blob", "about"):
                continue
            if parsed.hostname not in ("127.0.0.1", "localhost"):
                out.append(url)
        return out


IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app !== null && app.getAttribute('data-test-script-state') === 'notRunning'
    && document.querySelector('[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]') === null;
}"""


def idle(page: Any, timeout: float = 90_000) -> None:
    """Wait until Streamlit says the script is not running (its own marker, not a sleep)."""
    page.wait_for_function(IDLE, timeout=timeout)


def score_of(page: Any, nth: int = -1) -> float:
    """The score shown by the nth 'Score' metric."""
    metrics = page.locator('[data-testid="stMetric"]').filter(has_text="Score")
    text = metrics.nth(nth if nth >= 0 else metrics.count() - 1).locator('[data-testid="stMetricValue"]').inner_text()
    match = re.search(r"(\d+(?:\.\d+)?)\s*/\s*10", text)
    assert match, text
    return float(match.group(1))


def answer_box(page: Any) -> Any:
    return page.get_by_label("Your answer", exact=True)
