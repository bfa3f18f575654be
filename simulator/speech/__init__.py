"""Spoken answers: audio checks, transcription (offline Whisper or an OpenAI-compatible server), delivery."""

from .audio import AudioError, Clip, load_audio
from .delivery import TYPED_WPM, Delivery, JobTerms, analyse_spoken, analyse_typed
from .transcribe import (
    OpenAITranscriber,
    Transcriber,
    Transcript,
    WhisperTranscriber,
    Word,
    keep_recording,
    prompt_for,
    transcriber,
)

__all__ = [
    "TYPED_WPM",
    "AudioError",
    "Clip",
    "Delivery",
    "JobTerms",
    "OpenAITranscriber",
    "Transcriber",
    "Transcript",
    "WhisperTranscriber",
    "Word",
    "analyse_spoken",
    "analyse_typed",
    "keep_recording",
    "load_audio",
    "prompt_for",
    "transcriber",
]
