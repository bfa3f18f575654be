"""Which answer sentences state a question's authored misconceptions, and what a negation changes.

Evidence is compared on demoted text (the question's own words removed, so echoing the question
earns nothing). That hides what a swapped definition gets wrong: "data drift is a change in
P(y|x)" and "concept drift is a change in P(y|x)" both demote to "change P(y|x)". So a sentence
is judged against a misconception and the key point it contradicts by three things:

- evidence (demoted): the mean of word match (how much of each one's words the sentence says, as
  key points are hit) and sentence-vector cosine;
- which of the question's terms it is about: a sentence that names terms of the question the
  misconception does not ("concept drift") and leaves out some it does ("data drift") is about
  something else, and does not state it;
- polarity: whether the sentence negates what the misconception negates, or what the point does.

A sentence states the misconception when its evidence for it reaches STATED and the misconception
wins on the sum by MARGIN. Both were chosen on the labelled answers (tests/data/points), for about
5% of full answers flagged: the embeddings see a swapped claim as close to the true one, so the
rule is strict and misses many misconceptions (docs/ACCURACY.md has the figures).

A stated misconception's sentence is no evidence for the key point it contradicts. Without a
misconception, a sentence that negates a term of a key point that the point asserts (or the
reverse) is no evidence for that point either: "X is not connected to Y" never earns "X is
connected to Y" (`opposite_polarity`).
"""

from __future__ import annotations

import re

import numpy as np

from ..bank import Question
from ..text import STOP_WORDS, content_words, stem, words

_NEGATIONS = frozenset({"not", "no", "never", "none", "nothing", "neither", "nor", "without", "cannot", "nobody"})
# Where a sentence splits into claims: punctuation and the conjunctions that join two of them.
_CLAUSES = re.compile(r"[,;:()]|\b(?:but|so|because|while|whereas|although|though|which)\b", re.I)
_NOT_ONLY = frozenset({"only", "just", "merely", "simply"})
_QUANTIFIERS = frozenset({"any", "all", "each", "every", "much", "many", "enough"})  # "without any labels"
# A sentence longer than this makes several claims, and a negation in it is rarely about the point
# it matches best (measured on tests/data/points: longer sentences lost 5% of true hits to it).
POLARITY_MAX_WORDS = 20
POLARITY_WEIGHT = 0.05  # evidence a sentence gains by sharing the misconception's polarity, not the point's
STATED = 0.65  # evidence for the misconception (mean of word match and cosine)
MARGIN = 0.1  # ... by which it must beat the evidence for the key point


def _terms(text: str, asked: set[str]) -> set[str]:
    return {stem(w.lower()) for w in words(text)} & asked


def stated(
    question: Question,
    sentences: list[str],
    point_evidence: np.ndarray,
    misconception_evidence: np.ndarray,
) -> list[tuple[int, int]]:
    """(misconception, sentence) pairs where the sentence states the misconception.

    `point_evidence` is (sentences, key points) and `misconception_evidence` (sentences,
    misconceptions): the mean of word match and cosine, on demoted text.
    """
    asked = {stem(w.lower()) for w in words(question.prompt)} - STOP_WORDS
    index = {k.text: j for j, k in enumerate(question.key_points)}
    terms = [_terms(s, asked) for s in sentences]
    polarity = [negated(s) for s in sentences]
    out = []
    for i, m in enumerate(question.misconceptions):
        j = index[m.contradicts]
        about = _terms(m.text, asked)
        wrong_way, right_way = negated(m.text), negated(m.contradicts)
        for s in range(len(sentences)):
            if misconception_evidence[s, i] < STATED or (terms[s] - about and about - terms[s]):
                continue
            lean = 0.0
            if wrong_way != right_way:
                lean = POLARITY_WEIGHT * (1 if polarity[s] == wrong_way else -1)
            if misconception_evidence[s, i] + lean > point_evidence[s, j] + MARGIN:
                out.append((i, s))
    return out


def _negation_at(tokens: list[str], i: int) -> bool:
    """Whether tokens[i] negates; "not only X" and "not just X" assert X."""
    t = tokens[i]
    return (t in _NEGATIONS or t.endswith(("n't", "n’t"))) and (i + 1 == len(tokens) or tokens[i + 1] not in _NOT_ONLY)


def _negations(text: str) -> int:
    """How many negations a text holds."""
    tokens = words(text.lower())
    return sum(_negation_at(tokens, i) for i in range(len(tokens)))


def _loose_withouts(text: str, other: str) -> int:
    """How many "without X" in `text` name an X that `other` does not mention: a condition added
    ("detected without labels"), not the claim negated."""
    tokens = words(text.lower())
    said = _stems(other)
    loose = 0
    for i, t in enumerate(tokens):
        if t == "without":
            after = [w for w in tokens[i + 1 :] if w not in STOP_WORDS and w not in _QUANTIFIERS][:1]
            loose += bool(after) and stem(after[0]) not in said
    return loose


def negated(text: str) -> bool:
    """Whether the text's claim is negated: an odd number of negations."""
    return _negations(text) % 2 == 1


def _stems(text: str) -> set[str]:
    return {stem(w) for w in content_words(text)}


def _closest_clauses(sentence: str, point: str) -> tuple[str, str] | None:
    """The clause of `sentence` and the clause of `point` that share most content words (None: none)."""
    pairs = [(len(_stems(c) & _stems(d)), c, d) for c in _CLAUSES.split(sentence) for d in _CLAUSES.split(point)]
    shared, clause, point_clause = max(pairs, key=lambda pair: pair[0])
    return (clause, point_clause) if shared else None


def opposite_polarity(question: Question, sentences: list[str]) -> np.ndarray:
    """(sentences, key points): True where the clause that speaks to the point has the opposite
    polarity ("is not connected" against "is connected", or the reverse).

    Polarity is read in the clauses of the sentence and of the point nearest each other by their
    words ("logged but never returned": "logged" is asserted): "no surprise: the cache is keyed
    by hash" negates "surprise", not the claim about the cache. Sentences over POLARITY_MAX_WORDS
    make several claims and are left alone.
    """
    out = np.zeros((len(sentences), len(question.key_points)), dtype=bool)
    for s, sentence in enumerate(sentences):
        if len(words(sentence)) > POLARITY_MAX_WORDS:
            continue
        for j, point in enumerate(question.key_points):
            closest = _closest_clauses(sentence, point.text)
            if closest is not None:
                clause, point_clause = closest
                ours = _negations(clause) - _loose_withouts(clause, point_clause)
                theirs = _negations(point_clause) - _loose_withouts(point_clause, clause)
                out[s, j] = ours % 2 != theirs % 2
    return out
