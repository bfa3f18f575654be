"""`interview-sim bench`: speed figures and their ratios to bare model calls, measured in one run."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ..config import Settings
from ..embeddings import default_embedder
from ..engine import Engine
from ..store import reference_texts

REPEATS = 15
LENGTHS = (20, 80, 200)
SPOKEN_WORDS = 150  # about a minute at espeak-ng's 150 words/min: a typical spoken answer


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def _answer(engine: Engine, n_words: int) -> str:
    """A realistic answer of about n words, made of the bank's own reference sentences."""
    text = " ".join(q.reference_answer for q in engine.corpus.questions[:6]).split()
    return " ".join(text[:n_words]).rstrip(",;:") + "."


def _subprocess_seconds(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def _transcription(answer: str) -> dict[str, Any]:
    """Real-time factor of the local speech engine on a synthetic spoken answer, checks included."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        return {"skipped": "espeak-ng is not installed (apt-get install espeak-ng): no speech to time"}
    from ..speech import WhisperTranscriber

    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "answer.wav"
        subprocess.run([espeak, "-v", "en-us", "-s", "150", "-w", str(wav), answer], check=True, capture_output=True)
        data = wav.read_bytes()
    engine = WhisperTranscriber()  # a fresh instance, so the load (checksum included) is timed
    load_s = _timed(lambda: engine.model) / 1000
    audio_s = engine.transcribe(data).duration  # also warms up
    wall, cpu = [], []
    for _ in range(3):
        started = time.process_time()
        wall.append(_timed(lambda: engine.transcribe(data)) / 1000)
        cpu.append(time.process_time() - started)
    return {
        "audio_s": round(audio_s, 1),
        "model_load_s": round(load_s, 2),
        "transcribe_s": round(statistics.median(wall), 2),
        "rtf": round(statistics.median(wall) / audio_s, 3),
        "cpu_s_per_audio_s": round(statistics.median(cpu) / audio_s, 3),
        "target_rtf_max": 0.15,
    }


def run() -> dict[str, Any]:
    """All figures of one run; every target is a ratio to a bare model call measured beside it."""
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "SIM_HOME": home}
        engine = Engine(Settings().with_(home=Path(home)))
        embedder = default_embedder()
        model = embedder.model

        # Ingest into an empty store, then again unchanged.
        texts: list[str] = []
        for q in engine.corpus.questions:
            sentences, points = reference_texts(q)
            texts += [q.prompt, *sentences, *points]
        raw_s = _timed(lambda: model.encode(texts, batch_size=64, normalize_embeddings=True)) / 1000
        first = engine.ingest()
        again = engine.ingest()
        n = len(engine.corpus.questions)
        report["ingest"] = {
            "questions": n,
            "questions_per_s": round(n / first.seconds, 1),
            "raw_encode_questions_per_s": round(n / raw_s, 1),
            "ratio": round((n / first.seconds) / (n / raw_s), 2),
            "target_ratio_min": 0.8,
            "reingest_s": round(again.seconds, 3),
            "target_reingest_max_s": 1.0,
        }

        # Warm grading latency against a bare encode of the same answer.
        question = engine.corpus.questions[0]
        engine.grade(question, _answer(engine, 80))  # warm caches
        report["grade"] = {}
        for n_words in LENGTHS:
            answer = _answer(engine, n_words)
            grade = [_timed(lambda a=answer: engine.grade(question, a)) for _ in range(REPEATS)]
            bare = [_timed(lambda a=answer: model.encode([a], normalize_embeddings=True)) for _ in range(REPEATS)]
            g50, g95 = _percentiles(grade)
            b50, b95 = _percentiles(bare)
            report["grade"][f"{n_words}_words"] = {
                "grade_p50_ms": round(g50, 1),
                "grade_p95_ms": round(g95, 1),
                "encode_p50_ms": round(b50, 1),
                "encode_p95_ms": round(b95, 1),
                "ratio_p50": round(g50 / b50, 2),
                "target_ratio_max": 1.5,
            }

        # Cold start: a new process to its first judgement, against a new process loading the model.
        answer = _answer(engine, 80)
        cold = _subprocess_seconds(["-m", "simulator", "grade", "-q", question.id, "-a", answer, "--json"], env)
        bare_load = _subprocess_seconds(
            [
                "-c",
                "import sys; from simulator.embeddings import model_path; "
                "from sentence_transformers import SentenceTransformer; "
                "SentenceTransformer(model_path(), device='cpu').encode([sys.argv[1]])",
                answer,
            ],
            {**env, "HF_HUB_OFFLINE": "1"},
        )
        report["cold_start"] = {
            "first_judgement_s": round(cold, 2),
            "bare_model_load_s": round(bare_load, 2),
            "ratio": round(cold / bare_load, 2),
            "target_ratio_max": 1.5,
        }

        # Spoken answers: the local transcription's real-time factor (wall time / audio length).
        report["transcribe"] = _transcription(_answer(engine, SPOKEN_WORDS))
    return report


def format_report(report: dict[str, Any]) -> str:
    lines = []
    ing = report["ingest"]
    lines.append(
        f"ingest      {ing['questions']} questions: {ing['questions_per_s']} q/s vs raw encode "
        f"{ing['raw_encode_questions_per_s']} q/s = {ing['ratio']}x (target >= {ing['target_ratio_min']}x)"
    )
    lines.append(f"re-ingest   unchanged corpus: {ing['reingest_s']} s (target <= {ing['target_reingest_max_s']} s)")
    for name, g in report["grade"].items():
        lines.append(
            f"grade       {name:>9}: p50 {g['grade_p50_ms']} ms, p95 {g['grade_p95_ms']} ms vs encode p50 "
            f"{g['encode_p50_ms']} ms = {g['ratio_p50']}x (target <= {g['target_ratio_max']}x)"
        )
    c = report["cold_start"]
    lines.append(
        f"cold start  first judgement {c['first_judgement_s']} s vs bare model load {c['bare_model_load_s']} s "
        f"= {c['ratio']}x (target <= {c['target_ratio_max']}x)"
    )
    t = report.get("transcribe")
    if t and "skipped" in t:
        lines.append(f"transcribe  skipped: {t['skipped']}")
    elif t:
        lines.append(
            f"transcribe  {t['audio_s']} s of speech in {t['transcribe_s']} s = RTF {t['rtf']} "
            f"(target <= {t['target_rtf_max']}), {t['cpu_s_per_audio_s']} CPU s per audio s, "
            f"model load {t['model_load_s']} s"
        )
    return "\n".join(lines)
