"""Does priming Whisper with the question's terms transcribe domain terms better? A measurement.

Each of a dozen bank reference answers dense in MLOps terms is spoken with espeak-ng and transcribed
by the bundled Whisper tiny.en under each priming: none (the filler prompt only), the question's
sentence (what the app passed before), the terms of `prompt_for` as Whisper's initial prompt, as
faster-whisper hotwords, or both, and the question and its key points as whole sentences (a long
prompt). It prints word error rate and domain-term error rate (the share of the curated terms'
occurrences in the reference missing from the transcript) per priming, and checks a clip with a
6 s pause of quiet noise in it for words the prompt put there.

    .venv/bin/python scripts/asr_priming.py [--json /tmp/asr_priming.json] [--only ID ...]

Results: docs/ACCURACY.md, "Transcription primed with the question's terms".
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ctranslate2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator.bank import Corpus, Question  # noqa: E402
from simulator.speech import JobTerms, WhisperTranscriber  # noqa: E402
from simulator.speech.transcribe import prompt_for  # noqa: E402

# Domain terms of each answer that are not everyday English, curated by hand (not taken from the
# prompt, so the priming is not graded on its own list). British spellings are left out: Whisper
# writes American ones whatever it is told.
TERMS: dict[str, list[str]] = {
    "monitoring-psi-computation": ["PSI", "KL divergence", "quantile", "epsilon", "logarithm", "Evidently"],
    "monitoring-ks-large-samples": [
        "KS",
        "CDFs",
        "p-value",
        "Bonferroni",
        "Wasserstein",
        "PSI",
        "Jensen-Shannon",
        "Evidently",
        "chi-squared",
    ],
    "monitoring-jensen-shannon": [
        "KL divergence",
        "Jensen-Shannon",
        "JS divergence",
        "Wasserstein",
        "PSI",
        "Evidently",
    ],
    "seed-data-vs-concept-drift": [
        "data drift",
        "concept drift",
        "covariate shift",
        "label shift",
        "PSI",
        "Kolmogorov-Smirnov",
        "chi-squared",
    ],
    "orchestration-kfp-caching": ["Kubeflow Pipelines", "KFP", "Vertex AI", "cache key", "snapshot"],
    "deployment-cold-starts": ["Knative", "KServe", "autoscaler", "Triton", "readiness probe", "SLO"],
    "deployment-model-server-choice": [
        "KServe",
        "Triton",
        "TorchServe",
        "TF Serving",
        "BentoML",
        "TensorRT",
        "ONNX Runtime",
        "PyTorch",
        "TensorFlow",
        "gRPC",
        "Kubernetes",
        "Prometheus",
    ],
    "seed-feature-store-when": ["feature store", "Redis", "DynamoDB", "Feast", "Tecton", "point-in-time"],
    "feature-stores-materialization": [
        "Feast",
        "feast materialize",
        "materialize-incremental",
        "Airflow",
        "entity key",
    ],
    "seed-tool-orchestration": [
        "Kubeflow Pipelines",
        "Kubernetes",
        "Apache Airflow",
        "Argo Workflows",
        "DAG",
        "ETL",
        "YAML",
        "Vertex AI",
        "SageMaker",
    ],
    "seed-dvc-vs-git-lfs": ["DVC", "Git LFS", "GCS", "Azure", "GitHub", "GitLab", "dvc repro"],
    "infrastructure-node-autoscaling": ["KEDA", "Karpenter", "Cluster Autoscaler", "HPA", "Kafka", "SQS", "GKE"],
}

# Priming -> (how the engine places the prompt, the prompt for a question).
PRIMINGS: dict[str, tuple[str, Callable[[Question, JobTerms], str | None]]] = {
    "none": ("prompt", lambda q, jt: None),
    "question sentence": ("prompt", lambda q, jt: q.prompt),
    "terms, initial prompt": ("prompt", lambda q, jt: prompt_for(q, jt.for_question(q))),
    "terms, hotwords": ("hotwords", lambda q, jt: prompt_for(q, jt.for_question(q))),
    "terms, both": ("both", lambda q, jt: prompt_for(q, jt.for_question(q))),
    "question + key points, both": ("both", lambda q, jt: " ".join([q.prompt, *(k.text for k in q.key_points)])),
}

SILENCE_SPEECH = ("We retrain the model every week.", "Then we compare it with the current one.")


def normalise(text: str) -> list[str]:
    """Lower case, hyphens and underscores as spaces, dots and apostrophes dropped ("K.S." = "KS")."""
    text = re.sub(r"['’.](?=\w)|(?<=\w)['’.](?=\s|$)", "", text.lower())
    return re.sub(r"[^a-z0-9 ]+", " ", text.replace("-", " ").replace("_", " ")).split()


def word_error_rate(reference: str, hypothesis: str) -> tuple[int, int]:
    """(word edits, reference words), by Levenshtein over normalised words."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[:], i
        for j, h in enumerate(hyp, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (r != h))
    return row[-1], len(ref)


def occurrences(term: str, text: str) -> int:
    words, key = normalise(text), normalise(term)
    return sum(words[i : i + len(key)] == key for i in range(len(words) - len(key) + 1))


def missed_terms(terms: list[str], reference: str, hypothesis: str) -> tuple[list[str], int]:
    """Terms said in the reference but (as often) not in the transcript, and how many were said."""
    missed, said = [], 0
    for term in terms:
        n = occurrences(term, reference)
        said += n
        missed += [term] * max(0, n - occurrences(term, hypothesis))
    return missed, said


def speak(text: str, path: Path) -> Path:
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        sys.exit("espeak-ng is not installed: apt-get install espeak-ng sox")
    subprocess.run([espeak, "-v", "en-us", "-s", "155", "-w", str(path), text], check=True, capture_output=True)
    return path


def with_silence(folder: Path) -> Path:
    """Two sentences with 6 s of quiet room noise between them (sox)."""
    sox = shutil.which("sox")
    if sox is None:
        sys.exit("sox is not installed: apt-get install espeak-ng sox")
    first, second = (speak(t, folder / f"part{i}.wav") for i, t in enumerate(SILENCE_SPEECH))
    gap = folder / "gap.wav"
    subprocess.run(
        [sox, "-n", "-r", "22050", "-b", "16", "-c", "1", gap, "synth", "6", "brownnoise", "vol", "0.05"], check=True
    )
    out = folder / "silence.wav"
    subprocess.run([sox, first, gap, second, out], check=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="Write every transcript and figure here.")
    parser.add_argument("--only", nargs="*", help="Question ids (default: all of TERMS).")
    args = parser.parse_args()

    corpus = Corpus.load(ROOT / "corpus")
    job_terms = JobTerms(corpus.questions)
    questions = [corpus.get(i) for i in (args.only or TERMS)]
    base = WhisperTranscriber(priming="prompt")
    model = base.model
    engines = {}
    for mode in ("prompt", "hotwords", "both"):
        engine = WhisperTranscriber(priming=mode)
        engine._model = model  # one model for all
        engines[mode] = engine

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clips = {q.id: speak(q.reference_answer, folder / f"{q.id}.wav") for q in questions}
        for q in questions:
            for name, (mode, make) in PRIMINGS.items():
                prompt = make(q, job_terms)
                # Whisper falls back to sampling when a greedy window looks wrong: seed it for every clip.
                ctranslate2.set_random_seed(0)
                started = time.perf_counter()
                text = engines[mode].transcribe(clips[q.id], prompt=prompt).text
                edits, words = word_error_rate(q.reference_answer, text)
                missed, said = missed_terms(TERMS[q.id], q.reference_answer, text)
                rows.append(
                    {
                        "question": q.id,
                        "priming": name,
                        "prompt": prompt,
                        "edits": edits,
                        "words": words,
                        "terms": said,
                        "missed": missed,
                        "seconds": round(time.perf_counter() - started, 2),
                        "text": text,
                    }
                )
                print(f"{q.id:<42} {name:<28} WER {edits / words:.3f}  terms missed {len(missed)}/{said}  {missed}")
        silent = with_silence(folder)
        said_words = set(normalise(" ".join(SILENCE_SPEECH)))
        longest = max(questions, key=lambda q: len(prompt_for(q, job_terms.for_question(q))))
        inserted: dict[str, list[str]] = {}
        for name, (mode, make) in PRIMINGS.items():
            ctranslate2.set_random_seed(0)
            text = engines[mode].transcribe(silent, prompt=make(longest, job_terms)).text
            inserted[name] = [w for w in normalise(text) if w not in said_words]
            print(f"silence clip, {name:<28} extra words {inserted[name]}: {text}")

    print(f"\n{'priming':<28} {'WER':>6} {'term error':>11} {'terms missed':>13} {'extra words in the pause':>26}")
    for name in PRIMINGS:
        mine = [r for r in rows if r["priming"] == name]
        edits = sum(r["edits"] for r in mine)
        words = sum(r["words"] for r in mine)
        lost = sum(len(r["missed"]) for r in mine)
        said = sum(r["terms"] for r in mine)
        print(f"{name:<28} {edits / words:6.3f} {lost / said:11.3f} {f'{lost}/{said}':>13} {len(inserted[name]):>26}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "silence": inserted, "silence_prompt": longest.id}, indent=1))


if __name__ == "__main__":
    main()
