"""`interview-sim`: ingest, list, validate, grade and benchmark from the shell."""

from __future__ import annotations

import sys

import typer

from . import answers, bank, measure, plan, speech  # noqa: F401  (each registers its commands on `app`)
from .common import app, fail, friendly

__all__ = ["app", "main"]


@app.command(name="app")
@friendly
def run_app(
    port: int = typer.Option(8501, "--port", help="Port to serve the app on."),
    address: str = typer.Option("127.0.0.1", "--address", help="Address to listen on (127.0.0.1: this machine only)."),
) -> None:
    """Start the web app (Streamlit) on the packaged app.py."""
    import os

    from ..config import packaged

    script = packaged("app.py")
    if not script.is_file():
        fail("The app is not part of this installation: reinstall the package (the wheel carries app.py).")
    # Streamlit reads its settings from the working directory: the project's own config travels as flags.
    args = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    args += ["--server.address", address, "--server.headless", "true", "--server.fileWatcherType", "none"]
    args += ["--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal", "--theme.base", "light"]
    os.execv(sys.executable, args)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
