"""`interview-sim eval-points`: how often the judge's key-point verdicts agree with labelled answers.

The human-graded CSV (`agreement`) measures the score; it cannot say whether "you covered X, by
this sentence" is true. This measures that, on bank questions answered three ways by hand: `full`
(most points, in other words than the pack's), `partial` (one or two points) and `wrong` (the
question's vocabulary, false claims, no point). Each answer lists the key points it states.

A verdict is a true hit when the judge hits a stated point, a false hit when it hits an unstated
one. The scores are checked too: on each question, full > partial > wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from ..bank import Corpus
from ..bank.files import read_yaml
from ..errors import InputError, PackError
from ..grading import EmbeddingJudge, Judgement

AnswerKind = Literal["full", "partial", "wrong", "off_topic"]
RANKED: tuple[AnswerKind, ...] = ("full", "partial", "wrong")  # every question has at least one of each
ANSWER_KINDS: tuple[AnswerKind, ...] = (*RANKED, "off_topic")


class LabelledAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: AnswerKind
    states: tuple[str, ...] = ()  # key-point texts, verbatim from the pack
    misconceptions: tuple[str, ...] = ()  # the pack's misconception texts this answer states, verbatim
    text: str


class LabelledQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    question_id: str
    answers: tuple[LabelledAnswer, ...]


def read_labelled(path: Path, corpus: Corpus) -> list[LabelledQuestion]:
    """Labelled answers from a YAML file or a folder of them, checked against the bank."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files or not path.exists():
        raise InputError(f"No labelled answers at {path}: give a YAML file or a folder of them.")
    items = []
    for file in files:
        try:
            data = read_yaml(file)
        except PackError as exc:
            raise InputError(str(exc)) from None
        if not isinstance(data, list):
            raise InputError(f"{file}: expected a list of questions, each with question_id and answers.")
        try:
            items += [LabelledQuestion.model_validate(item) for item in data]
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            raise InputError(f"{file}: field {field}: {err['msg']}") from None
    for item in items:
        if not set(RANKED) <= {a.kind for a in item.answers}:
            raise InputError(f"{item.question_id}: give at least one answer of each kind ({', '.join(RANKED)}).")
        try:
            question = corpus.get(item.question_id)
        except PackError as exc:
            raise InputError(str(exc)) from None
        points = {kp.text for kp in question.key_points}
        wrongs = {m.text for m in question.misconceptions}
        for answer in item.answers:
            for said, known, what in (
                (answer.states, points, "key points"),
                (answer.misconceptions, wrongs, "misconceptions"),
            ):
                unknown = set(said) - known
                if unknown:
                    raise InputError(
                        f"{item.question_id}: {sorted(unknown)[0]!r} is not one of its {what} (copy the text verbatim)."
                    )
    return items


@dataclass
class Tally:
    """Point verdicts against labels."""

    true_hits: int = 0
    false_hits: int = 0
    missed: int = 0  # stated, not hit
    rejected: int = 0  # not stated, not hit

    def add(self, stated: bool, hit: bool) -> None:
        if stated:
            self.true_hits += hit
            self.missed += not hit
        else:
            self.false_hits += hit
            self.rejected += not hit

    @property
    def recall(self) -> float:
        """Stated points the judge found."""
        return self.true_hits / max(1, self.true_hits + self.missed)

    @property
    def precision(self) -> float:
        """Hits that were stated."""
        return self.true_hits / max(1, self.true_hits + self.false_hits)

    @property
    def false_hit_rate(self) -> float:
        """Unstated points the judge hit anyway."""
        return self.false_hits / max(1, self.false_hits + self.rejected)


def tally(items: Sequence[LabelledQuestion], judgements: Sequence[Judgement]) -> dict[str, Any]:
    """Point, misconception, gate and ranking figures of `judgements`, one per answer of `items` in order."""
    overall, by_kind = Tally(), {kind: Tally() for kind in ANSWER_KINDS}
    wrong_claims = Tally()  # misconceptions: stated or not, flagged or not
    scores: dict[AnswerKind, list[float]] = {kind: [] for kind in ANSWER_KINDS}
    in_order = full_first = 0
    spreads, flagged_full, gated = [], 0, {kind: 0 for kind in ANSWER_KINDS}
    at = iter(judgements)
    for item in items:
        score: dict[AnswerKind, list[float]] = {kind: [] for kind in ANSWER_KINDS}
        for answer in item.answers:
            judgement = next(at)
            score[answer.kind].append(judgement.score if judgement.valid else 0.0)
            gated[answer.kind] += not judgement.valid
            for result in judgement.key_points:
                hit = judgement.valid and result.hit
                overall.add(result.text in answer.states, hit)
                by_kind[answer.kind].add(result.text in answer.states, hit)
            found = {m.text for m in judgement.misconceptions}
            for text in found | set(answer.misconceptions):
                wrong_claims.add(text in answer.misconceptions, text in found)
            flagged_full += answer.kind == "full" and bool(found)
        for kind in ANSWER_KINDS:
            scores[kind] += score[kind]
        in_order += min(score["full"]) > max(score["partial"]) > max(score["wrong"])
        full_first += min(score["full"]) > max(score["wrong"])
        if len(score["full"]) > 1:
            spreads.append(max(score["full"]) - min(score["full"]))
    count = {kind: len(scores[kind]) for kind in ANSWER_KINDS}
    return {
        "questions": len(items),
        "answers": sum(count.values()),
        "recall": overall.recall,
        "precision": overall.precision,
        "false_hit_rate": overall.false_hit_rate,
        "full_recall": by_kind["full"].recall,
        "wrong_false_hit_rate": by_kind["wrong"].false_hit_rate,
        "in_order": in_order / max(1, len(items)),
        "full_over_wrong": full_first / max(1, len(items)),
        "mean_score": {kind: sum(s) / max(1, len(s)) for kind, s in scores.items() if s},
        "misconception_recall": wrong_claims.recall,
        "misconception_precision": wrong_claims.precision,
        "full_flagged": flagged_full / max(1, count["full"]),
        "full_spread_mean": sum(spreads) / max(1, len(spreads)),
        "full_spread_within_1": sum(s <= 1.0 for s in spreads) / max(1, len(spreads)),
        "off_topic_gated": gated["off_topic"] / max(1, count["off_topic"]),
        "real_gated": gated["full"] + gated["partial"],
    }


def measure(items: Sequence[LabelledQuestion], corpus: Corpus, judge: EmbeddingJudge) -> dict[str, Any]:
    """Grade every labelled answer as the product does (one batch) and tally the verdicts."""
    pairs = [(corpus.get(item.question_id), answer.text) for item in items for answer in item.answers]
    return tally(items, judge.judge_many([q for q, _ in pairs], [a for _, a in pairs]))


def format_points(report: dict[str, Any]) -> str:
    means = report["mean_score"]
    return "\n".join(
        [
            f"answers              {report['answers']} to {report['questions']} questions",
            f"point recall         {report['recall']:.3f} (stated points the judge hit; full answers "
            f"{report['full_recall']:.3f})",
            f"point precision      {report['precision']:.3f} (hits that were stated)",
            f"false-hit rate       {report['false_hit_rate']:.3f} (unstated points hit; wrong answers "
            f"{report['wrong_false_hit_rate']:.3f})",
            f"full > partial > wrong  {report['in_order']:.3f} of questions (full > wrong "
            f"{report['full_over_wrong']:.3f})",
            "mean score           " + ", ".join(f"{kind} {value:.1f}" for kind, value in means.items()),
            f"misconceptions       recall {report['misconception_recall']:.3f}, precision "
            f"{report['misconception_precision']:.3f}; full answers flagged {report['full_flagged']:.3f}",
            f"paraphrases          full answers to one question differ by {report['full_spread_mean']:.2f} on "
            f"average; within 1.0: {report['full_spread_within_1']:.3f}",
            f"off-topic gate       {report['off_topic_gated']:.3f} of off-topic answers not graded; "
            f"{report['real_gated']} full or partial answers gated by mistake",
        ]
    )
