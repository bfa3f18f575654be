"""The interviewer's follow-ups in a mock interview: which missed point to probe, and how to ask."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..bank import Question
from ..config import LLMSettings
from ..embeddings import Embedder
from ..grading import Judgement
from ..grading.feedback import follow_up
from ..store import demoted

if TYPE_CHECKING:
    from ..engine import Engine


@dataclass
class FollowUpTurn:
    """A follow-up asked after a main answer, and (once answered) its grade on the one point."""

    prompt: str
    point: str  # the missed must-have point it probes; its answer is graded against it alone
    asked_at: float
    answer: str | None = None
    attempt_id: int | None = None
    judgement: Judgement | None = None
    seconds_used: float | None = None
    timed_out: bool = False
    delivery: dict[str, Any] | None = None
    written_by: str | None = None  # the LLM model whose words these are; None for the offline follow-up
    note: str | None = None  # why an LLM's words were not used

    @property
    def earned(self) -> bool:
        """The answer covered the point."""
        return self.judgement is not None and self.judgement.valid and any(k.hit for k in self.judgement.key_points)


def authored_fit(embedder: Embedder, question: Question) -> np.ndarray:
    """Cosines of the question's authored follow-ups (rows) to its key points (columns), as the
    embedding judge compares them (the question's own words left out)."""
    asks, points = list(question.follow_ups), [k.text for k in question.key_points]
    if not asks or not points:
        return np.zeros((len(asks), len(points)), dtype=np.float32)
    vectors = embedder.embed_batch(demoted([*asks, *points], question))
    return np.asarray(vectors[: len(asks)] @ vectors[len(asks) :].T)


def next_follow_up(
    engine: Engine, question: Question, judgement: Judgement, asked: Collection[str] = ()
) -> tuple[str, str] | None:
    """The follow-up to ask after `judgement` and its point: aimed at the most important missed
    must-have point not asked about yet, in an authored follow-up's words when one is about that
    point, else in the generated "You did not cover..." form. None when the answer was not graded
    or no must-have point is left to probe: an interviewer does not probe what was covered."""
    if not judgement.valid:
        return None
    left = [p for p in judgement.missed if p not in asked]
    if not left:
        return None
    text, point = follow_up(question, left[:1], authored_fit(engine.embedder, question))
    return (text, point) if text and point else None


# --- the LLM's words ------------------------------------------------------------------------

# The LLM's follow-up is kept only when it is about the question and its point: as close as this to
# "prompt + point". On the bank (243 questions with authored follow-ups, MiniLM), 5 of 729
# follow-ups taken from questions of other categories reach 0.35 (0.7%), 33 reach 0.30 (4.5%).
ON_TOPIC = 0.35
PHRASE_TIMEOUT_S = 30.0  # a follow-up is waited for in the interview's clock: never long
PHRASE_MAX_TOKENS = 80
SYSTEM = (
    "You are a technical interviewer in a spoken interview. Rewrite the follow-up question you are given as one "
    "short, natural question to the candidate about the same point, without giving the answer away. "
    "Reply with the question only."
)


@dataclass(frozen=True)
class Phrased:
    """A follow-up's words: the LLM's when they passed the checks, else the offline ones and why."""

    text: str
    by_llm: bool
    dropped: str | None = None  # why the LLM's words were not used, in words for the page


def phrase_follow_up(
    llm: LLMSettings,
    embedder: Embedder,
    question: Question,
    point: str,
    offline: str,
    answer: str,
    client: Any = None,
) -> Phrased:
    """The offline follow-up about `point` rewritten by the LLM, kept when it is a question, does
    not copy the candidate's answer and stays on the question's topic (ON_TOPIC); otherwise the
    offline text. The answer is never sent: nothing the candidate wrote can steer the follow-up."""
    from ..grading.llm import explain_failure
    from ..grading.llm_checks import echoes, is_question
    from ..openai_client import make_client

    try:
        client = client or make_client(llm, PHRASE_TIMEOUT_S, max_retries=0)
        user = f"Interview question: {question.prompt}\nPoint to probe: {point}\nFollow-up to rewrite: {offline}"
        reply = client.chat.completions.create(
            model=llm.model,
            messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}],
            temperature=0,
            max_tokens=PHRASE_MAX_TOKENS,
        )
        choice = reply.choices[0] if reply.choices else None
        content = (choice.message.content or "") if choice else ""
    except Exception as exc:  # any failure means the offline words, with the reason said
        return Phrased(
            offline, False, f"The LLM did not write the follow-up ({explain_failure(exc, llm, PHRASE_TIMEOUT_S)})."
        )
    text = " ".join(content.strip().strip('"“”').split())
    if choice is not None and choice.finish_reason == "length":  # a follow-up is one short question
        return Phrased(offline, False, "The LLM's follow-up was cut off: it wrote more than a question.")
    if not text:
        return Phrased(offline, False, "The LLM's follow-up was empty.")
    if echoes(text, answer):
        return Phrased(offline, False, "The LLM's follow-up repeated your answer.")
    if not is_question(text):
        return Phrased(offline, False, "The LLM's follow-up was not a question.")
    text_vec, anchor = embedder.embed_batch([text, f"{question.prompt} {point}"])
    if float(text_vec @ anchor) < ON_TOPIC:
        return Phrased(offline, False, "The LLM's follow-up strayed from the question's topic.")
    return Phrased(text, True)
