"""The gate: answers that are not answers get a verdict and a zero, never a score."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..bank import Question
from ..text import MAX_ANSWER_CHARS, words

if TYPE_CHECKING:
    from .calibration import Calibration

MIN_WORDS = 4  # "yes", "model drift", "use Kubernetes": not an explanation of anything
# ... unless the reference itself is that short: "By reference." or "push and pop" answer a quiz
# question in full. A question needs one word more per 6 words of reference, up to MIN_WORDS from 19
# (every question in the bank has over 100). A shorter answer is graded, but never above weak (see
# grading.embedding.ceiling): "their function signature" can be right, and is still not an explanation.
MIN_WORDS_FLOOR = 1
REFERENCE_WORDS_PER_WORD = 6
# Answers that say there is no answer. They get a verdict, not a score: "I don't know" scored 1.2 would
# read as a weak attempt. Kept to phrases that answer no question ("none" or "no" can be right).
NON_ANSWERS = frozenset(
    {
        "not answered", "no answer", "n a", "idk", "no idea", "i have no idea", "not sure",
        "i'm not sure", "im not sure", "i am not sure", "don't know", "dont know", "i don't know",
        "i dont know", "i do not know", "pass", "skip",
    }
)  # fmt: skip
# Replies that agree or refuse without saying anything: no answer to a question that needs an
# explanation (one whose reference needs more than one word, `min_words`).
BARE_REPLIES = frozenset(
    {"yes", "no", "ok", "okay", "sure", "maybe", "yeah", "yep", "nope", "true", "false", "right", "correct", "fine"}
)
BARE = (
    "Not graded: a one-word reply does not answer a question that asks for an explanation. Say what it is, "
    "why, and give an example."
)
# ... and sentences that say the same in other words, recognised by meaning (grading.embedding):
# a sentence this similar to one of these examples says nothing about the question. Real answers of
# the human-graded dev set stay under 0.55 ("Both involve repetition."); these phrasings sit at 0.7-0.9.
NON_ANSWER_EXAMPLES = (
    "I don't know.", "I have no idea.", "I'm not sure about this one, sorry.",
    "I am not sure what the answer is.", "No clue.", "I forgot.", "I never learned this.",
    "Good question.", "That is a great question and I will answer it.", "Hello, how are you?",
    "Thank you.", "Can you repeat the question?", "Let me think about it.", "Skip this one.",
    "Not answered.", "I would rather not answer.", "Lorem ipsum dolor sit amet.", "This is a test.",
    "Blah blah blah.",
)  # fmt: skip
NON_ANSWER_SIMILARITY = 0.6
NO_ANSWER = "No answer given: that is fine while practising. Read the model answer, then try again in your own words."
# A word counts as real when wordfreq knows it at Zipf >= 2 (about once per 10 million words of
# English) or the question bank uses it; keyboard mashes such as "asdf" sit below that.
MIN_ZIPF = 2.0
MAX_BINARY_SHARE = 0.1  # of undecodable or control characters; a pasted emoji or stray byte stays below
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")  # StackPush -> Stack, Push; HTTPServer -> HTTP, Server
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

    def check_raw(self, raw: str) -> str | None:
        """Refuse, rather than silently cut or clean up, an answer too long to say or not text at all."""
        if len(raw) > MAX_ANSWER_CHARS:
            return (
                f"Too long to grade ({len(raw):,} characters; the limit is {MAX_ANSWER_CHARS:,}): "
                "keep to what you would say in an interview."
            )
        # A file's bytes read as text: NULs, undecodable bytes (U+FFFD) and control characters.
        junk = sum(ch == "\ufffd" or (ord(ch) < 32 and ch not in "\n\r\t") for ch in raw)
        if "\x00" in raw or junk > MAX_BINARY_SHARE * len(raw):
            return "This is binary data, not text: type, paste or say your answer."
        return None

    def check_text(self, text: str, question: Question) -> str | None:
        """A reason the text cannot be graded (empty, a non-answer, gibberish, repetition), or None."""
        tokens = words(text)
        if not tokens:
            return "Empty answer: write (or say) your answer, then submit it."
        if " ".join(tokens).lower().replace("’", "'") in NON_ANSWERS:
            return NO_ANSWER
        lowered = [t.lower() for t in tokens]
        if min_words(question) > 1 and (len(tokens) == 1 or set(lowered) <= BARE_REPLIES):
            return BARE
        # The question's own terms are real words even when rare in English ("sizeof", "dvc").
        known = {w.lower() for w in words(f"{question.prompt} {question.reference_answer}")}
        real = sum(t.lower() in known or self._is_real(t) for t in tokens)
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
            _, other_sim = nearest_other
            if other_sim - similarity > calibration.off_topic_margin:
                return (
                    "Off-topic: this answer fits another question in the bank better than this one. "
                    "Re-read the question and try again."
                )
        return None

    def _is_real(self, word: str) -> bool:
        """A known word, a number, or code made of known words ("StackPush", "DataLoader")."""
        lowered = word.lower()
        if lowered in self.vocabulary or re.fullmatch(r"[\d.,%]+", word):
            return True
        from wordfreq import zipf_frequency

        parts = _CAMEL.findall(word) or [word]
        return all(zipf_frequency(p.lower(), "en") >= MIN_ZIPF for p in parts)
