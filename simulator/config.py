"""One Settings object, resolved from arguments, then environment variables, then defaults."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import ConfigError

PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # the checkout, when running from one
# Where a wheel carries the bank, the rubrics and the app (setup.py copies them in at build time).
BUNDLE = Path(__file__).resolve().parent / "_bundle"


def packaged(name: str) -> Path:
    """A file or folder of the project (`corpus`, `rubrics`, `app.py`): the checkout's, else the wheel's."""
    beside = PACKAGE_ROOT / name
    return beside if beside.exists() or not (BUNDLE / name).exists() else BUNDLE / name


def _default_dir(env: str, name: str) -> Path:
    """The environment's choice, else the project's own folder."""
    if value := os.environ.get(env):
        return Path(value)
    return packaged(name)


BATCH_WINDOW_MS = 10.0  # a small share of one grade's time; docs/RELIABILITY.md has what it buys under load


def _batch_window_ms() -> float:
    """SIM_BATCH_WINDOW_MS, else the default; ConfigError when it is not a number of milliseconds."""
    value = os.environ.get("SIM_BATCH_WINDOW_MS") or str(BATCH_WINDOW_MS)
    try:
        window = float(value)
    except ValueError:
        window = -1.0
    if not 0 <= window <= 1000:
        raise ConfigError(
            f"SIM_BATCH_WINDOW_MS={value!r} is not a wait in milliseconds: set it between 0 (no batching) and 1000."
        )
    return window


@dataclass(frozen=True)
class Settings:
    """Where data lives and which services to use. Nothing here is a secret except `api_key`."""

    home: Path = field(default_factory=lambda: Path(os.environ.get("SIM_HOME", ".sim")))
    corpus_dir: Path = field(default_factory=lambda: _default_dir("SIM_CORPUS", "corpus"))
    rubrics_dir: Path = field(default_factory=lambda: _default_dir("SIM_RUBRICS", "rubrics"))
    chroma_url: str | None = field(default_factory=lambda: os.environ.get("SIM_CHROMA_URL") or None)
    llm_base_url: str | None = field(default_factory=lambda: os.environ.get("OPENAI_BASE_URL") or None)
    llm_model: str | None = field(default_factory=lambda: os.environ.get("SIM_LLM_MODEL") or None)
    # Online transcription (optional): its own model, and a server that defaults to the LLM judge's.
    stt_base_url: str | None = field(default_factory=lambda: os.environ.get("SIM_STT_BASE_URL") or None)
    stt_model: str | None = field(default_factory=lambda: os.environ.get("SIM_STT_MODEL") or None)
    # repr=False keeps the key out of logs, tracebacks and anything that prints the settings.
    api_key: str | None = field(default_factory=lambda: os.environ.get("OPENAI_API_KEY") or None, repr=False)
    # Grades from concurrent sessions wait this long for each other to share one encoder pass; 0: no batching.
    batch_window_ms: float = field(default_factory=_batch_window_ms)
    # The history on a server (postgresql+psycopg://USER:PASSWORD@HOST/DB); None: the SQLite file in `home`.
    # repr=False: the URL may carry a password.
    database_url: str | None = field(default_factory=lambda: os.environ.get("SIM_DATABASE_URL") or None, repr=False)

    def llm(self, base_url: str | None = None, model: str | None = None, api_key: str | None = None) -> LLMSettings:
        """LLM judge settings: explicit values (e.g. from st.secrets or the UI), then the environment."""
        return LLMSettings(
            base_url=base_url or self.llm_base_url,
            model=model or self.llm_model,
            api_key=api_key or self.api_key,
        )

    def stt(self, base_url: str | None = None, model: str | None = None, api_key: str | None = None) -> LLMSettings:
        """Online transcription settings: explicit values, then SIM_STT_*, then the LLM judge's server and key."""
        return LLMSettings(
            base_url=base_url or self.stt_base_url or self.llm_base_url,
            model=model or self.stt_model,
            api_key=api_key or self.api_key,
        )

    @property
    def chroma_dir(self) -> Path:
        return self.home / "chroma"

    @property
    def history_path(self) -> Path:
        return self.home / "history.sqlite3"

    @property
    def history_target(self) -> str | Path:
        """What `History` opens: SIM_DATABASE_URL when set (never a silent local file then), else the SQLite file."""
        return self.database_url or self.history_path

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields replaced; None values are ignored."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

    def ensure_home(self) -> Path:
        """Create the data dir, or raise ConfigError saying how to pick another."""
        try:
            self.home.mkdir(parents=True, exist_ok=True)
            # A probe of its own (not a fixed name), so processes starting together do not
            # delete each other's probe.
            with tempfile.TemporaryFile(dir=self.home):
                pass
        except OSError as exc:
            raise ConfigError(
                f"Data directory {self.home} is not writable ({exc.strerror}): set SIM_HOME to a writable directory."
            ) from None
        return self.home


@dataclass(frozen=True)
class LLMSettings:
    """Where the optional LLM judge lives. The key is never printed, stored or logged."""

    base_url: str | None = None
    model: str | None = None
    api_key: str | None = field(default=None, repr=False)

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.model)


JUDGE_FILE = "judge.json"  # in SIM_HOME: the LLM judge chosen in the app (base URL and model, never the key)


def load_judge(home: Path) -> tuple[str, str] | None:
    """The (base URL, model) of the LLM judge chosen last, or None for the embedding judge."""
    try:
        data = json.loads((home / JUDGE_FILE).read_text(encoding="utf-8"))
        return str(data["base_url"]), str(data["model"])
    except (OSError, ValueError, TypeError, KeyError):
        return None


def save_judge(home: Path, llm: LLMSettings | None) -> None:
    """Remember the LLM judge's base URL and model across restarts (None: the embedding judge).
    The key is left out: it stays in the environment or st.secrets."""
    path = home / JUDGE_FILE
    try:
        if llm is None:
            path.unlink(missing_ok=True)
            return
        home.mkdir(parents=True, exist_ok=True)
        tmp = home / f".{JUDGE_FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps({"base_url": llm.base_url, "model": llm.model}), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise ConfigError(
            f"The judge choice could not be saved in {home} ({exc.strerror}): set SIM_HOME to a writable directory."
        ) from None


VOICE_FILE = "voice.json"  # in SIM_HOME: whether the interviewer reads the questions aloud


def load_read_aloud(home: Path) -> bool:
    """Whether questions are read aloud, as chosen last in the app (default: off)."""
    try:
        return bool(json.loads((home / VOICE_FILE).read_text(encoding="utf-8"))["read_aloud"])
    except (OSError, ValueError, TypeError, KeyError):
        return False


def save_read_aloud(home: Path, on: bool) -> None:
    """Remember across restarts whether questions are read aloud."""
    try:
        home.mkdir(parents=True, exist_ok=True)
        tmp = home / f".{VOICE_FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps({"read_aloud": on}), encoding="utf-8")
        tmp.replace(home / VOICE_FILE)
    except OSError as exc:
        raise ConfigError(
            f"The voice choice could not be saved in {home} ({exc.strerror}): set SIM_HOME to a writable directory."
        ) from None


def quiet_third_parties() -> None:
    """Offline by default: no telemetry, no model-hub calls, no tokenizer fork warnings."""
    for key, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "TOKENIZERS_PARALLELISM": "false",
        "TRANSFORMERS_VERBOSITY": "error",
    }.items():
        os.environ.setdefault(key, value)
