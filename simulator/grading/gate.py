"""The gate: answers that are not answers get a verdict and a zero, never a score."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..corpus import Question
from ..text import MAX_ANSWER_CHARS, words

if TYPE_CHECKING:
    from .calibration import Calibration

MIN_WORDS = 4  # "yes", "model drift", "use Kubernetes": not an explanation of anything
# ... unless the reference itself is that short: "By reference." or "push and pop" answer a quiz
# question in full. A question needs one word more per 6 words of reference, up to MIN_WORDS from 19
# (every question in the bank has over 100); a one-word answer is graded only against a reference of
# at most 6 words, and then never above weak (see grading.embedding.final_score).
MIN_WORDS_FLOOR = 1
REFERENCE_WORDS_PER_WORD = 6
# A word counts as real when wordfreq knows it at Zipf >= 2 (about once per 10 million words of
# English) or the question bank uses it; keyboard mashes such as "asdf" sit below that.
MIN_ZIPF = 2.0
MIN_REAL_SHARE = 0.5  # "by refrence", "its resizeable": short answers with a typo are still answers
# "drift drift drift ..." repeats a word instead of saying something; an enumeration such as
# "constant pointer to nonconstant data, nonconstant pointer to constant data, ..." sits at 0.3.
MIN_DISTINCT_SHARE = 0.2


def min_words(question: Question) -> int:
    """Fewest words an answer to `question` may have: MIN_WORDS, less for a very short reference."""
    needed = -(-len(words(question.reference_answer)) // REFERENCE_WORDS_PER_WORD)
    return min(MIN_WORDS, max(MIN_WORDS_FLOOR, needed))


class Gate:
    """Text checks before embedding, and the topic check after."""

    def __init__(self, vocabulary: set[str]):
        self.vocabulary = {w.lower() for w in vocabulary}

    def check_length(self, raw: str) -> str | None:
        """Refuse, rather than silently cut, an answer longer than anyone would say."""
        if len(raw) > MAX_ANSWER_CHARS:
            return (
                f"Too long to grade ({len(raw):,} characters; the limit is {MAX_ANSWER_CHARS:,}): "
                "keep to what you would say in an interview."
            )
        return None

    def check_text(self, text: str, question: Question) -> str | None:
        """A reason the text cannot be graded, or None."""
        tokens = words(text)
        if not tokens:
            return "Empty answer: write (or say) your answer, then submit it."
        if len(tokens) < min_words(question):
            return (
                f"Too short to grade ({len(tokens)} word{'s' if len(tokens) != 1 else ''}): "
                "answer in at least a full sentence that explains your reasoning."
            )
        lowered = [t.lower() for t in tokens]
        # The question's own terms are real words even when rare in English ("sizeof", "dvc").
        known = {w.lower() for w in words(f"{question.prompt} {question.reference_answer}")}
        real = sum(t in known or self._is_real(t) for t in lowered)
        if real / len(lowered) < MIN_REAL_SHARE:
            return "This does not read as an answer: most of its words are not recognisable English."
        if len(lowered) >= 12 and len(set(lowered)) / len(lowered) < MIN_DISTINCT_SHARE:
            return "This repeats the same few words: explain the idea in full sentences."
        return None

    def check_topic(
        self, similarity: float, nearest_other: tuple[str, float] | None, calibration: Calibration
    ) -> str | None:
        """Off-topic when the answer is far from its reference, or much nearer another's."""
        if similarity < calibration.off_topic_floor:
            return "Off-topic: the answer does not address this question. Re-read the question and try again."
        if nearest_other is not None:
            other_id, other_sim = nearest_other
            if other_sim - similarity > calibration.off_topic_margin:
                return (
                    "Off-topic: this answer fits another question in the bank "
                    f"({other_id}) better than this one. Re-read the question and try again."
                )
        return None

    def _is_real(self, word: str) -> bool:
        if word in self.vocabulary or re.fullmatch(r"[\d.,%]+", word):
            return True
        from wordfreq import zipf_frequency

        return zipf_frequency(word, "en") >= MIN_ZIPF
