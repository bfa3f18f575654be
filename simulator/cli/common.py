"""What every `interview-sim` command shares: the Typer app, errors as one line, the engine, progress."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer

from ..config import Settings
from ..errors import SimulatorError

app = typer.Typer(
    help="MLOps mock-interview simulator: grade answers offline against reference answers.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def friendly(func: F) -> F:
    """Turn the project's errors into one line on stderr and a non-zero exit, no traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SimulatorError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted", 130)

    return wrapper  # type: ignore[return-value]


def make_engine(settings: Settings | None = None) -> Any:
    from ..engine import Engine

    return Engine(settings)


def progress_bar(label: str) -> Callable[[int, int], None]:
    """A progress bar on stderr that stays out of --json output."""
    from tqdm import tqdm

    bar: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc=label, unit="q", file=sys.stderr, leave=False)
        bar["bar"].n = done
        bar["bar"].refresh()
        if done >= total:
            bar["bar"].close()

    return update


def read_answer(answer: str) -> str:
    if answer != "-":
        return answer
    data = sys.stdin.buffer.read()
    return data.decode("utf-8", errors="replace")
