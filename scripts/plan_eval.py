"""The gap plan's "covered" verdicts on the labelled pairs of tests/data/plans/, next to a keyword baseline.

Each pair is a job description and a résumé with every requirement of the job marked covered or not
by what the résumé shows. Both methods score a requirement against each evidence line of the
résumé (simulator.prep.evidence_lines) and keep the best line:
  - meaning: the product's word alignment (`alignment` in simulator/prep/plan.py, MiniLM);
  - meaning by one vector per sentence: MiniLM cosine of the requirement and the line;
  - keywords: the share of the requirement's content words (stemmed, stop words out) the line holds.
Each method's threshold is chosen for F1 on the `tune` pairs only; the `holdout` pairs are scored
with those thresholds and never looked at when choosing. The shipped threshold (plan.COVERED) is
scored too.

    .venv/bin/python scripts/plan_eval.py            # a Markdown table, about 20 s
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from simulator.embeddings import default_embedder
from simulator.prep import COVERED, job_requirements, parse_resume
from simulator.prep.plan import alignment, evidence_lines
from simulator.text import content_words, stem

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "plans"


@dataclass
class Row:
    pair: str
    split: str
    requirement: str
    covered: bool
    meaning: float = 0.0
    sentence: float = 0.0
    keywords: float = 0.0


def keyword_overlap(requirement: str, line: str) -> float:
    """Share of the requirement's content stems that appear in the line."""
    wanted = {stem(w) for w in content_words(requirement)}
    have = {stem(w) for w in content_words(line)}
    return len(wanted & have) / len(wanted) if wanted else 0.0


def load(folder: Path) -> tuple[list[Row], int, int]:
    """The labelled rows, and how many labelled requirements the job reader extracts verbatim (of all)."""
    rows: list[Row] = []
    found = total = 0
    embedder = default_embedder()
    for path in sorted(folder.glob("*.yaml")):
        pair = yaml.safe_load(path.read_text())
        resume = parse_resume(path.name, pair["resume"])
        lines = [line.text for line in evidence_lines(resume)]
        labelled = [(t, True) for t in pair["covered"]] + [(t, False) for t in pair["not_covered"]]
        extracted = set(job_requirements(pair["job"]))
        found += sum(t in extracted for t, _ in labelled)
        total += len(labelled)
        texts = [t for t, _ in labelled]
        aligned = alignment(embedder, texts, lines)
        vectors = embedder.embed_batch(texts + lines)
        sims = vectors[: len(labelled)] @ vectors[len(labelled) :].T
        for (text, covered), words_row, row in zip(labelled, aligned, sims):
            kw = max(keyword_overlap(text, line) for line in lines)
            rows.append(Row(path.stem, pair["split"], text, covered, float(words_row.max()), float(row.max()), kw))
    return rows, found, total


def scores(rows: list[Row], method: str, threshold: float) -> tuple[float, float, float, int]:
    """Precision, recall and F1 of "covered", and the number of requirements."""
    said = [getattr(r, method) >= threshold for r in rows]
    truth = [r.covered for r in rows]
    tp = sum(s and t for s, t in zip(said, truth))
    precision = tp / sum(said) if sum(said) else 0.0
    recall = tp / sum(truth) if sum(truth) else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, len(rows)


def tune(rows: list[Row], method: str) -> float:
    """The threshold with the best F1 on these rows (the lowest of ties)."""
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    return float(max(grid, key=lambda t: (scores(rows, method, float(t))[2], -t)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--misses", action="store_true", help="list the requirements each method gets wrong")
    args = parser.parse_args()
    rows, found, total = load(args.data)
    splits = {s: [r for r in rows if r.split == s] for s in ("tune", "holdout")}
    pairs = {s: len({r.pair for r in rs}) for s, rs in splits.items()}
    print(
        f"{len({r.pair for r in rows})} pairs, {len(rows)} labelled requirements "
        f"({sum(r.covered for r in rows)} covered); the job reader extracts {found} of {total} verbatim.\n"
    )
    print("| method | threshold | split | pairs | requirements | precision | recall | F1 |")
    print("|---|---|---|---|---|---|---|---|")
    plans = [("meaning, word alignment (shipped)", "meaning", COVERED),
             ("meaning, word alignment (tuned here)", "meaning", tune(splits["tune"], "meaning")),
             ("meaning, one vector per sentence", "sentence", tune(splits["tune"], "sentence")),
             ("keyword overlap", "keywords", tune(splits["tune"], "keywords"))]  # fmt: skip
    for label, method, threshold in plans:
        for split, part in splits.items():
            p, r, f1, n = scores(part, method, threshold)
            print(f"| {label} | {threshold:.2f} | {split} | {pairs[split]} | {n} | {p:.2f} | {r:.2f} | {f1:.2f} |")
    if args.misses:
        for label, method, threshold in plans:
            print(f"\n{label} at {threshold:.2f}, wrong:")
            for r in rows:
                if (getattr(r, method) >= threshold) != r.covered:
                    truth = "covered" if r.covered else "gap"
                    print(f"  [{r.split}] {truth:7} {getattr(r, method):.2f} {r.pair}: {r.requirement}")


if __name__ == "__main__":
    main()
