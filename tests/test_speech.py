"""Spoken answers: word error rate on synthetic MLOps answers, bad audio, the model checksum, the online engine."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx2
import numpy as np
import pytest
from typer.testing import CliRunner

from simulator.cli import app
from simulator.config import LLMSettings, Settings
from simulator.errors import ModelError
from simulator.openai_client import make_client
from simulator.speech import (
    AudioError,
    OpenAITranscriber,
    Transcriber,
    Transcript,
    WhisperTranscriber,
    keep_recording,
    load_audio,
    transcriber,
)
from simulator.speech.audio import MAX_SECONDS
from simulator.speech.transcribe import default_transcriber, model_dir, verify_model

from .helpers import MAX_WER, need_tool, say, word_error_rate

ANSWERS = {
    "shadow": "In a shadow deployment the new model receives a copy of live production traffic, but its predictions "
    "are only logged and never returned to users. We compare its outputs with the current model before we "
    "switch over.",
    "drift": "Data drift means the distribution of the input features changes over time. We monitor it with "
    "statistics like the population stability index and alert when the shift is large, then retrain the model "
    "on recent data.",
    "feature-store": "A feature store keeps feature definitions in one place so training and serving compute them "
    "the same way. The offline store serves historical data for training, and the online store serves low "
    "latency lookups at prediction time.",
    "continuous-training": "For continuous training, a pipeline pulls fresh labelled data, retrains the model, "
    "evaluates it against the current version, and registers it in the model registry only if it performs "
    "better. A canary release then sends a small share of traffic to it.",
}


def sox(*args: str | Path) -> None:
    subprocess.run([need_tool("sox"), *map(str, args)], check=True, capture_output=True)


def silence(path: Path, seconds: float, rate: int = 22050) -> Path:
    sox("-n", "-r", str(rate), "-b", "16", "-c", "1", path, "trim", "0", str(seconds))
    return path


def noise(path: Path, *kind: str, seconds: float = 6.0) -> Path:
    kind = kind or ("whitenoise",)
    sox("-n", "-r", "16000", "-b", "16", "-c", "1", path, "synth", str(seconds), *kind, "vol", "0.4")
    return path


def test_word_error_rate_helper() -> None:
    assert word_error_rate("the model drifts", "the model drifts.") == 0
    assert word_error_rate("the model drifts", "a model") == pytest.approx(2 / 3)
    assert word_error_rate("a b", "a x b y") == 1.0


@pytest.fixture(scope="session")
def whisper() -> WhisperTranscriber:
    """The real local engine, loaded once for the session."""
    engine = default_transcriber()
    engine.model  # noqa: B018 - load (and checksum) up front
    return engine


@pytest.fixture(scope="session")
def voice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("voice")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_spoken_answers_are_transcribed(
    name: str, whisper: WhisperTranscriber, voice: Path, record_property: Callable[[str, object], None]
) -> None:
    wav = say(ANSWERS[name], voice / f"{name}.wav")
    transcript = whisper.transcribe(wav)
    wer = word_error_rate(ANSWERS[name], transcript.text)
    record_property("wer", round(wer, 3))
    print(f"WER {name}: {wer:.3f} - {transcript.text}")
    assert wer <= MAX_WER, transcript.text
    assert transcript.language == "en"
    assert transcript.duration == pytest.approx(load_audio(wav).duration, abs=0.01)
    assert transcript.words and all(w.start <= w.end for w in transcript.words)
    assert [w.start for w in transcript.words] == sorted(w.start for w in transcript.words)
    assert transcript.words[-1].end <= transcript.duration + 0.1


@pytest.mark.slow
def test_fillers_and_a_long_pause_survive_transcription(whisper: WhisperTranscriber, voice: Path) -> None:
    """Whisper drops "um" unless prompted to keep it; the 3 s silence shows up between word timestamps."""
    from simulator.speech import analyse_spoken

    first = say("We retrain the model every week.", voice / "first.wav", speed=160)
    second = say("Um, the pipeline runs in Airflow, and, like, it checks for drift.", voice / "second.wav", speed=160)
    gap = silence(voice / "gap.wav", 3.0)
    combined = voice / "pauses.wav"
    sox(first, gap, second, combined)
    transcript = whisper.transcribe(combined)
    delivery = analyse_spoken(transcript, ["drift", "pipeline", "airflow"])
    fillers = {c.term: c.count for c in delivery.fillers}
    assert fillers.get("um") == 1, transcript.text
    assert len(delivery.long_pauses) == 1, transcript.words
    pause = delivery.long_pauses[0]
    assert pause.after.strip(".,").lower() == "week"
    assert 2.0 <= pause.seconds <= 4.0
    assert {c.term for c in delivery.job_terms} == {"drift", "pipeline", "airflow"}


# --- bad audio: a clear AudioError before any model is needed ------------------------------------


@pytest.fixture
def no_model(tmp_path: Path) -> WhisperTranscriber:
    """An engine whose model cannot load: bad audio must be refused before the model is touched."""
    return WhisperTranscriber(path=tmp_path / "no-model")


def _tone(tmp: Path) -> Path:
    sox("-n", "-r", "16000", "-b", "16", "-c", "1", tmp / "tone.wav", "synth", "0.2", "sine", "440")
    return tmp / "tone.wav"


def _ogg(tmp: Path) -> bytes:
    try:
        sox("-n", "-r", "16000", "-c", "1", tmp / "answer.ogg", "synth", "2", "sine", "440")
        return (tmp / "answer.ogg").read_bytes()
    except subprocess.CalledProcessError:  # sox without Ogg support: the magic bytes are enough
        return b"OggS\x00\x02" + bytes(200)


def _good(tmp: Path) -> bytes:
    return say("The model is retrained every week.", tmp / "good.wav").read_bytes()


# case: (how to make the audio, the AudioError reason expected)
BAD: dict[str, tuple[Callable[[Path], bytes | Path], str]] = {
    "silence": (lambda t: silence(t / "silence.wav", 5.0), "silent"),
    "white noise": (lambda t: noise(t / "white.wav"), "no_speech"),
    "brown noise": (lambda t: noise(t / "brown.wav", "brownnoise"), "no_speech"),
    "hum": (lambda t: noise(t / "hum.wav", "sine", "120"), "no_speech"),
    "too long": (lambda t: silence(t / "long.wav", MAX_SECONDS + 5, rate=8000), "too_long"),
    "too short": (_tone, "too_short"),
    "ogg": (_ogg, "not_wav"),
    "mp3": (lambda t: b"ID3\x04\x00" + bytes(500), "not_wav"),
    "text file": (lambda t: b"I think the model drifts.", "not_wav"),
    "empty": (lambda t: b"", "not_wav"),
    "truncated header": (lambda t: _good(t)[:30], "corrupt"),
    "garbage after header": (lambda t: _good(t)[:12] + os.urandom(4000), "corrupt"),
    "missing file": (lambda t: t / "nope.wav", "missing"),
    "directory": (lambda t: t, "missing"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_audio_is_refused_with_a_clear_message(case: str, tmp_path: Path, no_model: WhisperTranscriber) -> None:
    make, reason = BAD[case]
    audio = make(tmp_path)
    with pytest.raises(AudioError) as caught:
        no_model.transcribe(audio)
    assert caught.value.reason == reason, str(caught.value)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    # Every message says what to do next.
    assert re.search(r"record|convert|give|speak|move|check|answer|limit", message, re.I), message


def test_audio_is_not_kept(tmp_path: Path, sim_home: Path, no_model: WhisperTranscriber) -> None:
    """Checking and decoding happen in memory: nothing is written to SIM_HOME or beside the input."""
    wav = say("The model is retrained every week.", tmp_path / "answer.wav")
    before = sorted(tmp_path.rglob("*"))
    clip = load_audio(wav.read_bytes())
    assert clip.duration > 1 and clip.speech_seconds > 1
    assert clip.samples.dtype == np.float32
    assert sorted(tmp_path.rglob("*")) == before
    assert not sim_home.exists()
    kept = keep_recording(clip.data, sim_home)
    assert kept.parent == sim_home / "recordings" and kept.read_bytes() == wav.read_bytes()


# --- the model: pinned checksum, loaded once ------------------------------------------------------


def test_bundled_model_matches_its_checksum() -> None:
    verify_model(model_dir())


def test_tampered_model_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    copy.mkdir()
    for f in model_dir().iterdir():
        if f.name == "model.bin":
            shutil.copyfile(f, copy / f.name)
        else:
            (copy / f.name).symlink_to(f)
    with (copy / "model.bin").open("r+b") as fh:
        fh.seek(1_000_000)
        byte = fh.read(1)
        fh.seek(1_000_000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelError, match="does not match its pinned checksum"):
        verify_model(copy)
    engine = WhisperTranscriber(path=copy)
    with pytest.raises(ModelError, match=r"model\.bin does not match.*pip install --force-reinstall"):
        engine.model  # noqa: B018


def test_missing_model_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"model\.bin does not match"):
        verify_model(tmp_path)


def test_local_engine_is_one_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_transcriber() is default_transcriber()
    assert isinstance(default_transcriber(), Transcriber)
    assert transcriber() is default_transcriber()  # no SIM_STT_MODEL: local


# --- the optional online engine --------------------------------------------------------------------


class FakeLocal:
    """Stands in for the local engine in fallback tests; records what it was given."""

    name = "fake-local"

    def __init__(self) -> None:
        self.calls = 0

    def transcribe(self, audio: object, prompt: str | None = None) -> Transcript:
        self.calls += 1
        clip = load_audio(audio)  # type: ignore[arg-type]
        return Transcript(text="local words", duration=clip.duration, engine=self.name)


def _online(handler: Callable[[httpx2.Request], httpx2.Response]) -> tuple[OpenAITranscriber, FakeLocal]:
    settings = LLMSettings(base_url="http://stt.test/v1", model="whisper-1", api_key="sk-secret-123")
    client = make_client(
        settings, 2.0, max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(handler))
    )
    local = FakeLocal()
    return OpenAITranscriber(settings, fallback=local, client=client), local


def _raises(error: type[httpx2.TransportError]) -> Callable[[httpx2.Request], httpx2.Response]:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise error("transport fault", request=request)

    return handler


@pytest.fixture(scope="module")
def good_wav(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return say(ANSWERS["drift"], tmp_path_factory.mktemp("online") / "drift.wav").read_bytes()


def test_online_engine_parses_verbose_json(good_wav: bytes) -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(
            200,
            json={
                "text": " Data drift means the distribution changes.",
                "language": "english",
                "duration": 13.7,
                "words": [{"word": "Data", "start": 0.1, "end": 0.4}, {"word": "drift", "start": 0.45, "end": 0.8}],
            },
        )

    engine, local = _online(handler)
    transcript = engine.transcribe(good_wav)
    assert transcript.text == "Data drift means the distribution changes."
    assert transcript.engine == "openai-compatible whisper-1" and transcript.fallback is None
    assert transcript.language == "en" and [w.text for w in transcript.words] == ["Data", "drift"]
    assert local.calls == 0
    request = seen[0]
    assert request.url.path == "/v1/audio/transcriptions"
    assert request.headers["authorization"] == "Bearer sk-secret-123"
    body = request.read()
    assert good_wav[:64] in body and b"verbose_json" in body


@pytest.mark.parametrize(
    ("fault", "why"),
    [
        (lambda r: httpx2.Response(500, json={"error": {"message": "boom"}}), "HTTP 500"),
        (lambda r: httpx2.Response(404, text="no such route"), "HTTP 404"),
        (lambda r: httpx2.Response(200, text='{"text": "trunc'), "online transcription failed"),
        (lambda r: httpx2.Response(200, json={"text": "  "}), "ValueError"),
        (lambda r: httpx2.Response(200, json={"nothing": 1}), "online transcription failed"),
        (_raises(httpx2.ReadTimeout), "APITimeoutError"),
        (_raises(httpx2.ConnectError), "APIConnectionError"),
    ],
    ids=["500", "404", "truncated-json", "empty-text", "no-text", "timeout", "refused"],
)
def test_online_failures_fall_back_to_local(
    fault: Callable[[httpx2.Request], httpx2.Response], why: str, good_wav: bytes
) -> None:
    engine, local = _online(fault)
    transcript = engine.transcribe(good_wav)
    assert transcript.text == "local words" and local.calls == 1
    assert transcript.fallback and why in transcript.fallback and "locally" in transcript.fallback
    assert "sk-secret" not in transcript.model_dump_json()


def test_online_engine_refuses_bad_audio_before_upload(tmp_path: Path) -> None:
    calls: list[httpx2.Request] = []
    engine, local = _online(lambda r: calls.append(r) or httpx2.Response(200, json={"text": "hallucinated"}))
    with pytest.raises(AudioError) as caught:
        engine.transcribe(silence(tmp_path / "silence.wav", 3.0))
    assert caught.value.reason == "silent" and calls == [] and local.calls == 0


def test_online_engine_is_chosen_by_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    assert transcriber(Settings()) is default_transcriber()  # a base URL alone is the LLM judge's
    monkeypatch.setenv("SIM_STT_MODEL", "whisper-1")
    online = transcriber(Settings())
    assert isinstance(online, OpenAITranscriber) and online.fallback is default_transcriber()
    assert online.settings.base_url == "http://127.0.0.1:9/v1" and online.settings.model == "whisper-1"
    assert "secret" not in repr(transcriber(Settings(), api_key="secret"))
    monkeypatch.setenv("SIM_STT_BASE_URL", "http://127.0.0.1:8000/v1")
    assert transcriber(Settings()).settings.base_url == "http://127.0.0.1:8000/v1"  # type: ignore[attr-defined]


# --- the command line -------------------------------------------------------------------------------

runner = CliRunner()


@pytest.mark.slow
def test_cli_transcribe_prints_text_and_delivery(tmp_path: Path, whisper: WhisperTranscriber) -> None:
    text = "So, um, we watch data drift and, uh, basically we retrain the model when it gets large."
    wav = say(text, tmp_path / "a.wav")
    result = runner.invoke(app, ["transcribe", str(wav), "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert "drift" in data["text"].lower()
    delivery = data["delivery"]
    assert delivery["spoken"] is True and 90 < delivery["words_per_minute"] < 220
    assert delivery["filler_count"] >= 2 and "basically" in {f["term"] for f in delivery["fillers"]}
    assert data["transcript"]["engine"].startswith("faster-whisper")

    result = runner.invoke(app, ["transcribe", str(wav)])
    assert result.exit_code == 0
    assert "words/min" in result.stdout and "filler word" in result.stdout


def test_cli_transcribe_bad_audio_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["transcribe", str(silence(tmp_path / "s.wav", 3.0))])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: The recording is silent") and result.stderr.count("\n") == 1
