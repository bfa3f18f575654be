"""The one result type both judges return."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Band = Literal["invalid", "weak", "partial", "good", "excellent"]
JudgeName = Literal["embedding", "llm"]

# Band edges on the 0-10 scale; the same words appear in the UI and the CLI.
BANDS: tuple[tuple[float, Band], ...] = ((8.0, "excellent"), (6.0, "good"), (4.0, "partial"), (0.0, "weak"))


def band_for(score: float, valid: bool = True) -> Band:
    if not valid:
        return "invalid"
    return next(name for edge, name in BANDS if score >= edge)


class KeyPointResult(BaseModel):
    """Whether the answer covered one key point, and the sentence that did."""

    model_config = ConfigDict(frozen=True)

    text: str
    weight: Literal["must", "nice"]
    hit: bool
    similarity: float = Field(ge=-1.0, le=1.0)  # of the point to its nearest answer sentence
    # How much of the point's words the best sentence says in context: what decides a hit.
    word_match: float = Field(default=0.0, ge=-1.0, le=1.0)
    evidence: str | None = None  # the answer sentence with the highest word match, when hit
    evidence_index: int | None = None  # its position in Judgement.sentences


class MisconceptionResult(BaseModel):
    """An authored misconception that a sentence of the answer states, with its correction."""

    model_config = ConfigDict(frozen=True)

    text: str
    correction: str
    contradicts: str  # the key point it contradicts (not credited from this sentence)
    evidence: str  # the answer sentence that states it
    evidence_index: int  # its position in Judgement.sentences


class Criterion(BaseModel):
    """One rubric criterion as scored by the LLM judge."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    score: float
    max_score: float
    justification: str = ""
    quotes: list[str] = []


class LLMUsage(BaseModel):
    """What one LLM judgement cost: latency and tokens (zero-cost when served from the cache)."""

    model_config = ConfigDict(frozen=True)

    latency_ms: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached: bool = False
    response_format: Literal["json_schema", "json_object"] = "json_schema"


StarPart = Literal["situation", "task", "action", "result"]


class StarComponent(BaseModel):
    """One part of a STAR story and the answer sentences that tell it (none: the part is missing)."""

    model_config = ConfigDict(frozen=True)

    part: StarPart
    sentence_indices: list[int] = []  # positions in Judgement.sentences
    evidence: list[str] = []  # those sentences

    @property
    def found(self) -> bool:
        return bool(self.sentence_indices)


class StarAnalysis(BaseModel):
    """How a behavioural answer tells its story: Situation, Task, Action, Result by sentence, who
    acted ("I" or "we" in the action sentences), and whether the result is measured (`grading.star`)."""

    model_config = ConfigDict(frozen=True)

    components: list[StarComponent]
    i_count: int = 0  # "I" in the action sentences
    we_count: int = 0  # "we" in the action sentences
    measured: bool = False
    measure: str | None = None  # what measured it: "40%", "from 3 days to 2 hours"
    measure_evidence: str | None = None  # the sentence that says it
    feedback: list[str] = []

    def part(self, name: StarPart) -> StarComponent:
        """The component called `name`."""
        return next(c for c in self.components if c.part == name)


class Judgement(BaseModel):
    """A graded answer: the number, the evidence behind it, and who produced it."""

    question_id: str | None = None
    valid: bool
    reason: str | None = None  # why an answer was not graded (gate), in words for the user
    score: float = Field(ge=0.0, le=10.0)
    band: Band
    key_points: list[KeyPointResult] = []
    misconceptions: list[MisconceptionResult] = []  # wrong claims the answer makes, quoted and corrected
    missed: list[str] = []  # missed must-have points, most important first
    missed_nice: list[str] = []
    follow_up: str | None = None
    # The key point the follow-up asks about: its answer is graded on that point (`point_question`).
    # None for an open follow-up, which has no reference to grade against.
    follow_up_point: str | None = None
    feedback: list[str] = []
    sentences: list[str] = []  # the answer as split for evidence
    # Sentences that addressed the grader ("ignore the rubric", a fake verdict): they earned nothing
    # and the LLM judge never saw them.
    ignored_instructions: list[str] = []
    features: dict[str, float] = {}
    # The most any judge may give this answer (too short, near no key point), why in `feedback`.
    ceiling: float | None = None
    criteria: list[Criterion] = []
    # Set when an LLM judged: its own rubric score, the embedding score it was bounded by, and a
    # flag when the two disagree by a lot (the UI shows `disagreement_note`).
    llm_score: float | None = None
    evidence_score: float | None = None
    disagreement: bool = False
    disagreement_note: str | None = None
    outline: list[str] = []  # an outline of a stronger answer (LLM judge)
    # Behavioural questions only: the answer's STAR structure. It does not change the score.
    star: StarAnalysis | None = None
    # Advisory: the LLM's words are its opinion and did not move the score (the score is the evidence
    # score), because its model failed qualification or its reply failed an output check. `opinion`
    # holds its advice then; `llm_issues` says, in words for the page, what each failed check dropped.
    advisory: bool = False
    opinion: list[str] = []
    llm_issues: list[str] = []
    usage: LLMUsage | None = None
    # Provenance: which judge produced the number, with which model, and why a fallback happened.
    judge: JudgeName = "embedding"
    model: str
    grader_version: str
    fallback_reason: str | None = None
    elapsed_ms: float = 0.0

    @property
    def provenance(self) -> str:
        """One line for a badge: who produced this score."""
        if self.advisory:
            return f"Evidence score · {self.model}'s opinion (advisory)"
        if self.judge == "llm":
            return f"LLM judge: {self.model}"
        if self.fallback_reason:
            return f"LLM unavailable, embedding score shown: {self.fallback_reason}"
        return "embedding judge, offline"
