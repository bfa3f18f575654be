"""Recorded audio, checked before any engine sees it: WAV only, length, silence, speech present."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Union

import numpy as np

from ..errors import SimulatorError

SAMPLE_RATE = 16_000  # what Whisper and the VAD expect; st.audio_input records at this rate by default
# Five minutes: longer than any single answer an interviewer lets run uninterrupted (most are
# 1-2 minutes), and at the local engine's ~0.1x real time still under half a minute to transcribe.
MAX_SECONDS = 300.0
# A guard before decoding anything: 5 minutes of 48 kHz stereo 32-bit float is ~115 MB.
MAX_BYTES = 128 * 1024 * 1024
MIN_SECONDS = 0.5
# 99.9th percentile of |sample| below -50 dBFS: a muted or unplugged microphone (its hiss sits
# around -60 to -70 dBFS), while quiet real speech peaks near -30 dBFS.
SILENCE_DBFS = -50.0
MIN_SPEECH_SECONDS = 0.4  # of voice found by the VAD; less is a cough or a click, not an answer

AudioReason = Literal["missing", "not_wav", "too_large", "too_long", "too_short", "corrupt", "silent", "no_speech"]


class AudioError(SimulatorError):
    """The recording cannot be transcribed as an answer; nothing is graded."""

    def __init__(self, reason: AudioReason, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Clip:
    """A checked recording: the original WAV bytes and 16 kHz mono samples."""

    data: bytes
    samples: np.ndarray
    speech_seconds: float

    @property
    def duration(self) -> float:
        return len(self.samples) / SAMPLE_RATE


AudioInput = Union[bytes, str, os.PathLike[str], Clip]

_FORMATS = (
    (b"ID3", "an MP3"),
    (b"\xff\xfb", "an MP3"),
    (b"OggS", "an Ogg/Opus"),
    (b"fLaC", "a FLAC"),
    (b"\x1aE\xdf\xa3", "a WebM"),
    (b"FORM", "an AIFF"),
)


def _not_wav(data: bytes) -> AudioError:
    kind = next((name for magic, name in _FORMATS if data.startswith(magic)), None)
    if kind is None and data[4:8] == b"ftyp":
        kind = "an MP4/M4A"
    what = f"{kind} file" if kind else "not a WAV file"
    return AudioError(
        "not_wav",
        f"The recording is {what}: only WAV is accepted. Record in the app, or convert it with "
        "`sox INPUT answer.wav` (or `ffmpeg -i INPUT answer.wav`).",
    )


def _read(audio: bytes | str | os.PathLike[str]) -> bytes:
    if isinstance(audio, bytes):
        return audio
    path = Path(audio)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise AudioError("too_large", f"{path} is {size / 2**20:.0f} MB: the limit is {MAX_BYTES // 2**20} MB.")
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise AudioError("missing", f"{path} is not an audio file: give the path of a WAV recording.") from None
    except OSError as exc:
        raise AudioError("missing", f"{path} cannot be read ({exc.strerror}).") from None


def _decode(data: bytes) -> np.ndarray:
    """16 kHz mono float32 samples; AudioError when the WAV cannot be decoded or is too long."""
    import av
    from faster_whisper.audio import decode_audio

    try:
        with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
            if container.format.name != "wav" or not container.streams.audio:
                raise _not_wav(data)
            declared = container.duration / 1_000_000 if container.duration else 0.0
        if declared > MAX_SECONDS + 1:
            raise _too_long(declared)
        samples = decode_audio(io.BytesIO(data), sampling_rate=SAMPLE_RATE)
    except (av.error.FFmpegError, ValueError, IndexError, OSError) as exc:
        raise AudioError(
            "corrupt", f"The WAV recording is damaged and cannot be decoded ({type(exc).__name__}): record it again."
        ) from None
    return np.asarray(samples, dtype=np.float32)


def _too_long(seconds: float) -> AudioError:
    return AudioError(
        "too_long",
        f"The recording is {seconds / 60:.1f} minutes long: the limit is {MAX_SECONDS / 60:.0f} minutes. "
        "Answer more briefly, or split the answer.",
    )


def speech_seconds(samples: np.ndarray) -> float:
    """Seconds of voice in 16 kHz samples, by the Silero VAD bundled with faster-whisper."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    chunks = get_speech_timestamps(samples, VadOptions(min_silence_duration_ms=500, speech_pad_ms=0))
    return sum(c["end"] - c["start"] for c in chunks) / SAMPLE_RATE


def load_audio(audio: AudioInput) -> Clip:
    """Read and check a recording: WAV, not damaged, 0.5 s to 5 min, not silent, some speech in it."""
    if isinstance(audio, Clip):
        return audio
    data = _read(audio)
    if len(data) > MAX_BYTES:
        mb = len(data) / 2**20
        raise AudioError("too_large", f"The recording is {mb:.0f} MB: the limit is {MAX_BYTES // 2**20} MB.")
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        if len(data) >= 4 and data[:4] == b"RIFF":
            raise AudioError("corrupt", "The WAV header is damaged: record the answer again.")
        raise _not_wav(data)
    samples = _decode(data)
    duration = len(samples) / SAMPLE_RATE
    if duration > MAX_SECONDS:
        raise _too_long(duration)
    if duration < MIN_SECONDS:
        raise AudioError(
            "too_short", f"The recording is {duration:.1f} s long: record your whole answer, then stop the recorder."
        )
    level = float(np.quantile(np.abs(samples), 0.999))
    if level < 10 ** (SILENCE_DBFS / 20):
        raise AudioError(
            "silent",
            "The recording is silent: check that the right microphone is selected and not muted, then record again.",
        )
    voiced = speech_seconds(samples)
    if voiced < MIN_SPEECH_SECONDS:
        raise AudioError(
            "no_speech",
            "No speech was found in the recording (only noise): move closer to the microphone or somewhere "
            "quieter, then record again.",
        )
    return Clip(data=data, samples=samples, speech_seconds=voiced)


def no_text() -> AudioError:
    return AudioError("no_speech", "No words could be recognised in the recording: speak clearly and record again.")
