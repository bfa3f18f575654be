"""`interview-sim star-eval`: how often the STAR reader's verdicts agree with labelled answers.

tests/data/star holds behavioural answers written for this project, each sentence labelled with the
STAR part it tells (S, T, A, R, or O for other), and per answer whether the result is measured and
whether the actions hide the candidate behind "we". `train.yaml` was looked at while setting the
reader's cue weights; `test.yaml` was not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..bank.files import read_yaml
from ..embeddings import Embedder
from ..errors import InputError, PackError
from ..grading.star import PARTS, Label, StarReader, we_heavy

SHORT: dict[str, Label] = {"S": "situation", "T": "task", "A": "action", "R": "result", "O": "other"}
Quality = Literal["complete", "no-result", "unmeasured", "all-we", "rambling", "short", "off-topic", "labelled"]


class StarAnswer(BaseModel):
    """One labelled answer: its sentences, each with the part it tells, and the answer's flags."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    question: str
    quality: Quality
    measured: bool
    we_heavy: bool
    sentences: list[tuple[Label, str]] = Field(min_length=1)

    @field_validator("sentences", mode="before")
    @classmethod
    def _pairs(cls, items: Any) -> Any:
        """`- A: "I rolled back."` becomes ("action", "I rolled back.")."""
        if not isinstance(items, list):
            return items
        pairs = []
        for item in items:
            if not (isinstance(item, dict) and len(item) == 1 and next(iter(item)) in SHORT):
                raise ValueError(f"each sentence is one `{'|'.join(SHORT)}: text` pair, not {item!r}")
            ((short, text),) = item.items()
            pairs.append((SHORT[short], text))
        return pairs

    @property
    def text(self) -> str:
        return " ".join(s for _, s in self.sentences)

    def has(self, part: str) -> bool:
        return any(label == part for label, _ in self.sentences)


def load(path: Path) -> list[StarAnswer]:
    """The labelled answers in a YAML file, or in every YAML file of a folder."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        raise InputError(f"No labelled answers (*.yaml) in {path}.")
    answers = []
    for f in files:
        try:
            rows = read_yaml(f)
            if not isinstance(rows, list):
                raise InputError(f"{f}: not a list of labelled STAR answers.")
            answers += [StarAnswer.model_validate(r) for r in rows]
        except (ValidationError, PackError, TypeError) as exc:
            raise InputError(f"{f}: not a list of labelled STAR answers: {exc}") from exc
    return answers


@dataclass
class Counts:
    """True positives, false positives and false negatives of one verdict."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: bool, actual: bool) -> None:
        self.tp += predicted and actual
        self.fp += predicted and not actual
        self.fn += actual and not predicted

    def figures(self) -> dict[str, float | int | None]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else None
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else None
        return {"precision": p, "recall": r, "support": self.tp + self.fn}


def evaluate(answers: list[StarAnswer], embedder: Embedder) -> dict[str, Any]:
    """Precision and recall of each sentence label, of each part's "missing" verdict, of "measured"
    and of "says 'we' for 'I'", over `answers`."""
    reader = StarReader(embedder)
    vectors = embedder.embed_batch([s for a in answers for _, s in a.sentences])
    sentence = {p: Counts() for p in PARTS}
    missing = {p: Counts() for p in PARTS}
    measured, we = Counts(), Counts()
    confusions = []
    at = 0
    for answer in answers:
        texts = [s for _, s in answer.sentences]
        own, at = vectors[at : at + len(texts)], at + len(texts)
        predicted = reader.labels(texts, own)
        analysis = reader.analyse(texts, own)
        for (gold, text), guess in zip(answer.sentences, predicted):
            for part in PARTS:
                sentence[part].add(guess == part, gold == part)
            if guess != gold:
                confusions.append({"answer": answer.id, "gold": gold, "predicted": guess, "sentence": text})
        for part in PARTS:
            missing[part].add(not analysis.part(part).found, not answer.has(part))
        measured.add(analysis.measured, answer.measured)
        we.add(we_heavy(analysis), answer.we_heavy)
    return {
        "answers": len(answers),
        "sentences": sum(len(a.sentences) for a in answers),
        "sentence": {p: c.figures() for p, c in sentence.items()},
        "missing": {p: c.figures() for p, c in missing.items()},
        "measured": measured.figures(),
        "we_heavy": we.figures(),
        "confusions": confusions,
    }


def _f(x: float | int | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def format_report(splits: dict[str, dict[str, Any]]) -> str:
    """A Markdown table: one row per verdict, precision/recall (support) per split."""
    names = list(splits)
    head = "| verdict | " + " | ".join(f"{n}: P | {n}: R" for n in names) + " |"
    rule = "|---|" + "---:|---:|" * len(names)
    rows = [head, rule]
    verdicts: list[tuple[str, str | None, str]] = [("sentence", p, f"{p} sentences") for p in PARTS]
    verdicts += [("missing", p, f"{p} missing") for p in PARTS]
    verdicts += [("measured", None, "result measured"), ("we_heavy", None, "'we' for 'I'")]
    for group, part, title in verdicts:
        cells = []
        for n in names:
            fig = splits[n][group][part] if part else splits[n][group]
            cells += [_f(fig["precision"]), f"{_f(fig['recall'])} ({fig['support']})"]
        rows.append(f"| {title} | " + " | ".join(cells) + " |")
    counts = ", ".join(f"{n}: {s['answers']} answers, {s['sentences']} sentences" for n, s in splits.items())
    return "\n".join(rows) + f"\n\n{counts}"
