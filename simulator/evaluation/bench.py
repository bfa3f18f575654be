"""`interview-sim bench`: speed figures and their ratios to bare model calls, measured in one run."""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..bank import Question
from ..config import Settings
from ..embeddings import default_embedder
from ..engine import Engine
from ..grading import Judgement
from ..speech import tts
from ..store import reference_texts
from ..text import split_sentences

REPEATS = 15
LENGTHS = (20, 80, 200)
SPOKEN_WORDS = 150  # about a minute at espeak-ng's 150 words/min: a typical spoken answer
CANDIDATES = (1, 5, 20)  # simulated candidates grading at once
LOAD_GRADES = 80  # answers graded in each run, shared out among its candidates
LOAD_ROUNDS = 3


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


# A 40-word question, as an interviewer would ask it aloud.
SPOKEN_QUESTION = (
    "Walk me through how you would roll out a new version of a fraud detection model: how you would test it "
    "offline, shadow it against live traffic, decide when to promote it, and what exactly you would watch after launch."
)
TTS_REPEATS = 3


def _first_audio_s(voice: tts.Voice, text: str) -> float:
    """Seconds from starting the engine's process to the first bytes of audio it streams out."""
    started = time.perf_counter()
    with subprocess.Popen(
        voice.command(None), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(text.encode())
        proc.stdin.close()
        got = proc.stdout.read1(1)  # type: ignore[attr-defined]
        first = time.perf_counter() - started
        proc.stdout.read()
    if not got or proc.returncode != 0:
        raise tts.TTSError(f"{voice.name} streamed no audio (exit {proc.returncode})")
    return first


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def speech_figures(text: str = SPOKEN_QUESTION, repeats: int = TTS_REPEATS) -> dict[str, Any]:
    """Per available voice: real-time factor of a whole rendering (a new process each time, as the app
    renders an uncached question) and time to the first audio when the engine streams."""
    engines: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for voice in tts.voices():
            out = Path(tmp) / "question.wav"
            walls, cpus, audio_s = [], [], 0.0
            for _ in range(repeats):
                cpu = _children_cpu_s()
                started = time.perf_counter()
                audio_s = tts.render(voice, text, out)
                walls.append(time.perf_counter() - started)
                cpus.append(_children_cpu_s() - cpu)
            render_s = statistics.median(walls)
            engines[voice.name] = {
                "audio_s": round(audio_s, 2),
                "render_s": round(render_s, 2),
                "rtf": round(render_s / audio_s, 3),
                # Load-independent: on a shared machine the wall time also counts other processes' turns.
                "cpu_s_per_audio_s": round(statistics.median(cpus) / audio_s, 3),
                "first_audio_s": round(statistics.median(_first_audio_s(voice, text) for _ in range(repeats)), 2),
            }
    return {"words": len(text.split()), "cpus": os.cpu_count(), "engines": engines, "target_rtf_max": 0.3}


def format_speech(report: dict[str, Any]) -> str:
    if not report["engines"]:
        return f"speak       skipped: {tts.missing_notice([])}"
    return "\n".join(
        f"speak       {name}: a {report['words']}-word question, {e['audio_s']} s of speech in {e['render_s']} s "
        f"= RTF {e['rtf']} (target <= {report['target_rtf_max']}), {e['cpu_s_per_audio_s']} CPU s per audio s, "
        f"first audio after {e['first_audio_s']} s"
        for name, e in report["engines"].items()
    )


def _workload(engine: Engine, n: int) -> list[tuple[Question, str]]:
    """n varied answers to the bank's questions: a reference answer whole, its first half, its first
    sentence (often too short to grade), and another question's reference (off-topic)."""
    questions = engine.corpus.questions
    answers: list[tuple[Question, str]] = []
    for i, q in enumerate(questions):
        sentences = split_sentences(q.reference_answer) or [q.reference_answer]
        half = " ".join(sentences[: max(1, len(sentences) // 2)])
        other = questions[(i + 1) % len(questions)].reference_answer
        answers += [(q, q.reference_answer), (q, half), (q, sentences[0]), (q, other)]
    return [answers[i % len(answers)] for i in range(n)]


def _load(grade: Callable[[Question, str], Judgement], work: list[tuple[Question, str]], n: int) -> dict[str, Any]:
    """`work` graded by n simulated candidates at once, each grading its next answer as soon as it has the
    last one's judgement (no time to think: the heaviest load n candidates can put on the process)."""
    latencies: list[list[float]] = [[] for _ in range(n)]
    start = threading.Barrier(n + 1)
    errors: list[BaseException] = []

    def candidate(i: int) -> None:
        start.wait()
        try:
            for question, answer in work[i::n]:
                latencies[i].append(_timed(lambda q=question, a=answer: grade(q, a)))
        except BaseException as exc:  # reported in the main thread, not lost in this one
            errors.append(exc)

    threads = [threading.Thread(target=candidate, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    start.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    if errors:
        raise errors[0]
    return {"grades_per_s": len(work) / seconds, "latencies_ms": [ms for each in latencies for ms in each]}


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over rounds; latency percentiles over every grade of every round."""
    p50, p95 = _percentiles([ms for r in runs for ms in r["latencies_ms"]])
    summary = {"grades_per_s": round(statistics.median(r["grades_per_s"] for r in runs), 2)}
    if "ratio" in runs[0]:
        summary["ratio"] = round(statistics.median(r["ratio"] for r in runs), 2)
    return {**summary, "p50_ms": round(p50), "p95_ms": round(p95)}


def concurrency(
    engine: Engine, candidates: Sequence[int] = CANDIDATES, grades: int = LOAD_GRADES, rounds: int = LOAD_ROUNDS
) -> dict[str, Any]:
    """Throughput and latency with n candidates grading at once, through `Engine.grade` (micro-batched)
    and straight through the judge (one encoder pass per grade, as without batching), against
    one-at-a-time grading.

    Every run grades the same `grades` answers, so the ratios compare the same work. Each round times
    one-at-a-time grading and then every level, and a ratio is taken within its round: the load of a
    shared machine drifts over minutes. Figures are medians over rounds.
    """
    work = _workload(engine, grades)
    judge = engine.judge
    for question in {q.id: q for q, _ in work}.values():
        judge.judge(question, question.reference_answer)  # warm: the references are cached from here on
    ones: list[dict[str, Any]] = []
    runs: dict[tuple[int, bool], list[dict[str, Any]]] = {(n, b): [] for n in candidates for b in (True, False)}
    for _ in range(rounds):
        one = _load(judge.judge, work, 1)
        ones.append(one)
        for n in candidates:
            for batched in (True, False):
                run = _load(engine.grade if batched else judge.judge, work, n)
                runs[n, batched].append({**run, "ratio": run["grades_per_s"] / one["grades_per_s"]})
    levels = {}
    for n in candidates:
        alone = _summary(runs[n, False])
        levels[str(n)] = {**_summary(runs[n, True]), **{f"unbatched_{k}": v for k, v in alone.items()}}
    return {
        "grades": grades,
        "rounds": rounds,
        "window_ms": engine.settings.batch_window_ms,
        "cpus": os.cpu_count(),
        "one_at_a_time": _summary(ones),
        "candidates": levels,
        "target_at": 20,
        "target_ratio_min": 2.0,
        "target_p95_max_ms": 2000,
    }


def format_concurrency(report: dict[str, Any]) -> str:
    """The load figures as a table: one row per number of simulated candidates."""
    one = report["one_at_a_time"]
    batching = f"window {report['window_ms']:g} ms" if report["window_ms"] > 0 else "batching off"
    lines = [
        f"concurrency {report['grades']} answers per run, median of {report['rounds']} rounds, on "
        f"{report['cpus']} CPUs, {batching}; "
        f"one at a time: {one['grades_per_s']} grades/s, p50 {one['p50_ms']} ms, p95 {one['p95_ms']} ms",
        "  candidates  grades/s  p50 ms  p95 ms  ratio | unbatched grades/s  p95 ms  ratio",
    ]
    for n, level in report["candidates"].items():
        lines.append(
            f"  {n:>10}  {level['grades_per_s']:>8}  {level['p50_ms']:>6}  {level['p95_ms']:>6}  "
            f"{level['ratio']:>4}x | {level['unbatched_grades_per_s']:>18}  {level['unbatched_p95_ms']:>6}  "
            f"{level['unbatched_ratio']:>4}x"
        )
    lines.append(
        f"  target at {report['target_at']} candidates: >= {report['target_ratio_min']}x one at a time, "
        f"p95 <= {report['target_p95_max_ms']} ms"
    )
    return "\n".join(lines)


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

        # Many candidates on one process: grades per second and latency under load.
        report["concurrency"] = concurrency(engine)

        # Spoken answers: the local transcription's real-time factor (wall time / audio length).
        report["transcribe"] = _transcription(_answer(engine, SPOKEN_WORDS))
        # The interviewer's voice: real-time factor and time to first audio for a 40-word question.
        report["speak"] = speech_figures()
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
    if "speak" in report:
        lines.append(format_speech(report["speak"]))
    lines.append(format_concurrency(report["concurrency"]))
    return "\n".join(lines)


def candidates(text: str) -> list[int]:
    """Numbers of simulated candidates from "1,5,20"; empty when the text is not that."""
    try:
        numbers = [int(n) for n in text.split(",")]
    except ValueError:
        return []
    return numbers if min(numbers) >= 1 else []
