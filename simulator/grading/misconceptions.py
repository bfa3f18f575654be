"""Which answer sentences state a question's authored misconceptions, and what a negation changes.

Evidence is compared on demoted text (the question's own words removed, so echoing the question
earns nothing). That hides what a swapped definition gets wrong: "data drift is a change in
P(y|x)" and "concept drift is a change in P(y|x)" both demote to "change P(y|x)". So a sentence
is judged against a misconception and the key point it contradicts by three things:

- evidence (demoted): the mean of word match (how much of each one's words the sentence says, as
  key points are hit) and sentence-vector cosine;
- which of the question's terms it is about: the terms only the misconception names ("data")
  against those only the key point names ("concept");
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
from ..text import STOP_WORDS, stem, words

# An odd count of these flips a claim ("not", "never", "doesn't", "without", "no longer").
_NEGATION = re.compile(r"\b(?:not|no|never|none|nothing|neither|nor|without|cannot|nobody)\b|n[’']t\b", re.I)
_NEGATIONS = frozenset({"not", "no", "never", "none", "nothing", "neither", "nor", "without", "cannot", "nobody"})
NEGATION_SCOPE = 3  # content words after a negation that it reaches ("is not directly connected")
_SCOPE_ENDS = frozenset({"but", "so", "because", "while", "whereas", "although", "though", "which", "and", "or"})
_NOT_ONLY = frozenset({"only", "just", "merely", "simply"})
_TOKEN = re.compile(r"[^\W_]+(?:['’\-.][^\W_]+)*|[,;:()]")
# A sentence longer than this makes several claims, and a negation in it is rarely about the point
# it matches best (measured on tests/data/points: longer sentences lost 5% of true hits to it).
POLARITY_MAX_WORDS = 20
TERM_WEIGHT = 0.1  # word match a sentence gains by naming the misconception's own terms, not the point's
POLARITY_WEIGHT = 0.1  # ... and by sharing the misconception's polarity, not the point's
STATED = 0.65  # evidence for the misconception (mean of word match and cosine)
MARGIN = 0.1  # ... by which it must beat the evidence for the key point


def negated(text: str) -> bool:
    """Whether the text's claim is negated: an odd number of negation words."""
    return len(_NEGATION.findall(text)) % 2 == 1


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
        own, theirs = _terms(m.text, asked), _terms(m.contradicts, asked)
        own, theirs = own - theirs, theirs - own
        wrong_way, right_way = negated(m.text), negated(m.contradicts)
        for s in range(len(sentences)):
            if misconception_evidence[s, i] < STATED:
                continue
            lean = TERM_WEIGHT * (bool(terms[s] & own) - bool(terms[s] & theirs))
            if wrong_way != right_way:
                lean += POLARITY_WEIGHT * (1 if polarity[s] == wrong_way else -1)
            if misconception_evidence[s, i] + lean / 2 > point_evidence[s, j] + MARGIN:
                out.append((i, s))
    return out


def _negated_terms(text: str) -> tuple[set[str], set[str]]:
    """The stems of a text's content words, and those a negation reaches: the next NEGATION_SCOPE
    words, up to a comma or a conjunction ("no gap, so terminal 1 is connected" negates only "gap")."""
    stems, negated_stems, reach = set(), set(), 0
    for token in _TOKEN.findall(text.lower()):
        if token in _NEGATIONS or token.endswith(("n't", "n’t")):
            reach = NEGATION_SCOPE
        elif not token[0].isalnum() or token in _SCOPE_ENDS or (reach == NEGATION_SCOPE and token in _NOT_ONLY):
            reach = 0  # a clause ends, or "not only X" / "not just X", which asserts X
        elif token not in STOP_WORDS:
            stems.add(stem(token))
            if reach:
                negated_stems.add(stem(token))
            reach = max(0, reach - 1)
    return stems, negated_stems


def opposite_polarity(question: Question, sentences: list[str]) -> np.ndarray:
    """(sentences, key points): True where the sentence negates a term of the point that the point
    asserts, or asserts one the point negates ("is not connected" against "is connected").

    Only a negation of the point's own terms counts: "no file is stored twice" says nothing against
    a point about hashing, and "doesn't always hurt" agrees with "does not always hurt".
    """
    points = [_negated_terms(k.text) for k in question.key_points]
    out = np.zeros((len(sentences), len(points)), dtype=bool)
    for s, sentence in enumerate(sentences):
        if len(words(sentence)) > POLARITY_MAX_WORDS:
            continue
        terms, negated_terms = _negated_terms(sentence)
        for j, (point_terms, point_negated) in enumerate(points):
            out[s, j] = bool((negated_terms ^ point_negated) & terms & point_terms)
    return out
