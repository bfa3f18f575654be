"""The gap plan: which requirements of a job the résumé shows evidence for, questions on the gaps
first, and behavioral prompts anchored on the résumé's own lines."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..bank import Corpus, Question
from ..embeddings import Embedder, encode, point_alignment, similarities
from ..errors import InputError
from ..grading.judgement import StarAnalysis
from ..grading.star import StarReader
from ..sessions.selection import QuestionSearch, search
from ..text import split_sentences
from .requirements import job_requirements
from .resume import Resume, ResumeLine

# A requirement counts as covered when a résumé line says at least this much of it by meaning
# (`alignment`). Chosen on the tuning half of tests/data/plans/ (scripts/plan_eval.py); the
# held-out half and the figures are in docs/ACCURACY.md.
COVERED = 0.40
QUESTIONS_PER_REQUIREMENT = 3
MAX_QUESTIONS = 15
MAX_BEHAVIORAL = 3
# A story counts as about its résumé line at this cosine of the whole answer to the line (docs/ACCURACY.md,
# job plan: measured on three prompts only).
ABOUT_THE_LINE = 0.30
MAX_STORY_CHARS = 6000

# The résumé's first person told back in the second: "our models" -> "your team's models".
_SECOND_PERSON = {"my": "your", "our": "your team's", "we": "you", "i": "you", "me": "you"}
_YOURS = re.compile(r"\b(?:my|our|we|I|me)\b", re.I)


@dataclass(frozen=True)
class Requirement:
    """One requirement of the job and the résumé line closest to it in meaning."""

    text: str
    covered: bool
    similarity: float
    evidence: str | None  # the résumé line, shown as evidence when covered


@dataclass(frozen=True)
class PlannedQuestion:
    """A bank question for the plan and the requirement it prepares for."""

    question: Question
    similarity: float
    requirement: str
    gap: bool  # the requirement is not covered by the résumé


@dataclass(frozen=True)
class Prompt:
    """A behavioral question anchored on one résumé line. Told stories get STAR feedback
    (`story_feedback`), not a score: there is no model answer for the candidate's own story."""

    text: str
    anchor: str


@dataclass(frozen=True)
class GapPlan:
    requirements: tuple[Requirement, ...]
    questions: tuple[PlannedQuestion, ...]
    prompts: tuple[Prompt, ...]

    @property
    def covered(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if r.covered)

    @property
    def gaps(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if not r.covered)

    @property
    def question_ids(self) -> list[str]:
        """The bank questions of the plan in order, gaps first (what a mock interview from it asks)."""
        return [p.question.id for p in self.questions]

    def to_dict(self) -> dict[str, Any]:
        return {
            "covered": [_requirement(r) for r in self.covered],
            "gaps": [_requirement(r) for r in self.gaps],
            "questions": [
                {
                    "id": p.question.id,
                    "prompt": p.question.prompt,
                    "for": p.requirement,
                    "gap": p.gap,
                    "similarity": p.similarity,
                }
                for p in self.questions
            ],
            "behavioral": [{"prompt": p.text, "from_resume": p.anchor} for p in self.prompts],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_text(self) -> str:
        """The plan as plain text, for the terminal."""
        out = [f"Covered by your résumé ({len(self.covered)} of {len(self.requirements)} requirements):"]
        out += [f"  ✓ {r.text}\n      evidence: {r.evidence}" for r in self.covered] or ["  (none)"]
        out += ["", f"Gaps ({len(self.gaps)}):"]
        out += [f"  ✗ {r.text}" for r in self.gaps] or ["  (none)"]
        out += ["", "Questions to practise, gaps first:"]
        out += [
            f"  {i}. [{p.question.id}] {p.question.prompt}\n      {'gap' if p.gap else 'covered'}: {p.requirement}"
            for i, p in enumerate(self.questions, 1)
        ] or ["  (no bank question is close to these requirements)"]
        out += ["", "Behavioral questions from your résumé:"]
        out += [f"  - {p.text}" for p in self.prompts] or ["  (no line of the résumé tells of a deed)"]
        return "\n".join(out)


def _requirement(r: Requirement) -> dict[str, Any]:
    return {"requirement": r.text, "similarity": r.similarity, "evidence": r.evidence}


def evidence_lines(resume: Resume) -> list[ResumeLine]:
    """The résumé lines that can stand as evidence: experience, skills and summary (all lines when
    the résumé has none of those sections)."""
    kept = [line for line in resume.lines if line.section != "other"]
    return kept or list(resume.lines)


def alignment(embedder: Embedder, requirements: list[str], lines: list[str]) -> np.ndarray:
    """(requirements, lines): how much of each requirement's words a résumé line says by meaning.

    A requirement is read as the grader reads a key point (embeddings.point_alignment): each of its
    content words finds its closest word of the line in context, and the cosines are averaged. A
    requirement names several things ("Kubernetes with autoscaling and canary releases"), a résumé
    line tells a story around them: one vector for each blurs both, the words find each other
    (the two compared on held-out pairs in docs/ACCURACY.md).
    """
    encoded = encode(embedder, [*requirements, *lines])
    points = [e.tokens for e in encoded[: len(requirements)]]
    return point_alignment(points, [e.tokens for e in encoded[len(requirements) :]]).T


def coverage(
    embedder: Embedder, requirements: list[str], lines: list[str], threshold: float = COVERED
) -> list[Requirement]:
    """Each requirement with the résumé line that says most of it, covered when that reaches `threshold`."""
    if not requirements:
        return []
    if not lines:
        return [Requirement(text, False, 0.0, None) for text in requirements]
    out = []
    for text, row in zip(requirements, alignment(embedder, requirements, lines)):
        best = int(np.argmax(row))
        score = round(float(row[best]), 4)
        covered = score >= threshold
        out.append(Requirement(text, covered, score, lines[best] if covered else None))
    return out


def gap_questions(
    store: QuestionSearch, corpus: Corpus, requirements: list[Requirement], n: int = MAX_QUESTIONS
) -> list[PlannedQuestion]:
    """Bank questions for the requirements, those on gaps first; each question once, for the
    requirement it is closest to. Requirements no question is close to (selection.RELEVANT) add none."""
    best: dict[str, tuple[int, PlannedQuestion]] = {}
    for req in requirements:
        for rank, hit in enumerate(search(store, corpus, req.text, n=QUESTIONS_PER_REQUIREMENT)):
            gap = not req.covered
            known = best.get(hit.question.id)
            # A question that prepares a gap stays with the gap, however close it is to a covered line.
            if known is None or (gap, hit.similarity) > (known[1].gap, known[1].similarity):
                best[hit.question.id] = (rank, PlannedQuestion(hit.question, hit.similarity, req.text, gap))
    # Gaps first; among them each gap's best question before any gap's second one.
    ordered = sorted(best.values(), key=lambda rp: (not rp[1].gap, rp[0], -rp[1].similarity))
    return [p for _, p in ordered[:n]]


def behavioral_prompts(resume: Resume, requirements: list[Requirement], n: int = MAX_BEHAVIORAL) -> list[Prompt]:
    """ "Tell me about the time you ..." on the résumé's achievement lines, those that are evidence
    for the job's requirements first."""
    evidence = [r.evidence for r in requirements if r.covered]
    deeds = [line.text for line in resume.experience if line.achievement]
    ordered = sorted(dict.fromkeys(deeds), key=lambda d: (d not in evidence, deeds.index(d)))
    prompts = []
    for deed in ordered[:n]:
        told = _YOURS.sub(lambda m: _SECOND_PERSON[m.group(0).lower()], deed.rstrip(" .;"))
        told = told[0].lower() + told[1:]
        prompts.append(Prompt(f"Tell me about the time you {told} (from your résumé).", deed))
    return prompts


def gap_plan(
    embedder: Embedder,
    store: QuestionSearch,
    corpus: Corpus,
    resume: Resume,
    job_description: str,
    threshold: float = COVERED,
) -> GapPlan:
    """The plan for one résumé and one job description."""
    wanted = job_requirements(job_description)
    if not wanted:
        raise InputError(
            "No requirement was found in the job description: paste the posting's list of responsibilities "
            "and requirements (one per line or sentence)."
        )
    requirements = coverage(embedder, wanted, [line.text for line in evidence_lines(resume)], threshold)
    return GapPlan(
        requirements=tuple(requirements),
        questions=tuple(gap_questions(store, corpus, requirements)),
        prompts=tuple(behavioral_prompts(resume, requirements)),
    )


@dataclass(frozen=True)
class StoryFeedback:
    """What a résumé prompt's answer gets: its STAR structure, and whether it tells of the résumé line.
    No score: there is no model answer for the candidate's own story to measure it against."""

    star: StarAnalysis
    closeness: float  # cosine of the whole answer to the résumé line

    @property
    def about_the_line(self) -> bool:
        return self.closeness >= ABOUT_THE_LINE


def story_feedback(embedder: Embedder, prompt: Prompt, answer: str) -> StoryFeedback:
    """STAR feedback on a story told for `prompt`, and how near it is to the résumé line it asks about."""
    text = " ".join(answer.split())
    if not text:
        raise InputError("Tell the story first: what the situation was, your task, what you did and the result.")
    if len(text) > MAX_STORY_CHARS:
        raise InputError(
            f"The story is {len(text):,} characters long: keep it under {MAX_STORY_CHARS:,}, as you would aloud."
        )
    sentences = split_sentences(text) or [text]
    vectors = embedder.embed_batch([prompt.anchor, text, *sentences])
    closeness = float(similarities(vectors[1:2], vectors[0:1])[0, 0])
    return StoryFeedback(StarReader(embedder).analyse(sentences, vectors[2:]), closeness)
