"""Plain-text helpers shared by the gate, the evidence step and delivery analytics."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

MAX_ANSWER_CHARS = 20_000  # about 3,000 words: far beyond a spoken answer, cheap to embed

_WORD = re.compile(r"[^\W_]+(?:['’\-.][^\W_]+)*", re.UNICODE)
# Reading a document as lines: a list item's marker ("- ", "• ", "3. "), and Markdown emphasis, code,
# heading and quote marks (other characters stay as written).
BULLET = re.compile(r"^\s*(?:[-*•▪●◦‣–]|\d+[.)])\s+")
MARKDOWN_MARKS = re.compile(r"\*\*|__|`|^\s*(?:#{1,6}|>)\s*")
# Sentence ends: . ! ? followed by space; newlines and bullet markers also end a sentence.
_BOUNDARY = re.compile(r"(?<=[.!?;])\s+|\s*\n+\s*(?:[-*•]\s+|\d+[.)]\s+)?")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "cf.", "approx.", "et al.", "mr.", "dr.", "no.")
# MiniLM reads at most 256 word pieces; a longer "sentence" (a run-on or a list without
# punctuation) is cut into windows so no part of the answer goes unread.
MAX_SENTENCE_WORDS = 60

# Function words: they carry no content, so they are left out of content words and alignment.
# fmt: off
STOP_WORDS = frozenset([
    "a", "an", "and", "are", "as", "at", "be", "been", "being", "but", "by", "can", "could", "did", "do", "does",
    "doing", "for", "from", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i",
    "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "no", "nor", "not", "of",
    "off", "on", "once", "only", "or", "other", "our", "ours", "out", "over", "own", "same", "she", "should", "so",
    "some", "such", "than", "that", "the", "their", "theirs", "them", "then", "there", "these", "they", "this",
    "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where",
    "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "also", "use", "used",
    "using",
])
# fmt: on


def clean(text: str) -> str:
    """NFKC-normalise, drop control/format characters and lone surrogates, collapse spaces."""
    text = text.encode("utf-8", "ignore").decode("utf-8")[:MAX_ANSWER_CHARS]
    text = unicodedata.normalize("NFKC", text)
    kept = [ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " " for ch in text]
    text = "".join(kept)
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\s*\n\s*", "\n", text).strip()


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def content_words(text: str) -> list[str]:
    return [w for w in (w.lower() for w in words(text)) if w not in STOP_WORDS]


def split_sentences(text: str) -> list[str]:
    """Sentences of an answer, bullet items included; long ones cut into windows."""
    pieces: list[str] = []
    for part in _BOUNDARY.split(text):
        part = part.strip(" -*•\t")
        if not part:
            continue
        if pieces and pieces[-1].lower().endswith(_ABBREVIATIONS):
            pieces[-1] = f"{pieces[-1]} {part}"
        else:
            pieces.append(part)
    out: list[str] = []
    for sentence in pieces:
        tokens = sentence.split()
        if not words(sentence):
            continue
        for start in range(0, len(tokens), MAX_SENTENCE_WORDS):
            out.append(" ".join(tokens[start : start + MAX_SENTENCE_WORDS]))
    return out


def demote(text: str, question: str) -> str:
    """Drop the question's own words from a text ("question demoting", Mohler et al. 2011).

    Repeating the question earns nothing; what is left is what the answer adds.
    """
    asked = {w.lower() for w in words(question)} - STOP_WORDS
    kept = [w for w in words(text) if w.lower() not in asked]
    return " ".join(kept) if kept else text


_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of a word: "deploys", "deployed", "deploying" all give "deploy"."""
    return str(_STEMMER.stemWord(word.lower().replace("’", "'")))


def human_duration(seconds: float) -> str:
    """A duration as a person says it: `under 10 s`, `45 s`, `2 min 10 s`, `3 h`, `5 days`."""
    seconds = max(0, round(seconds))
    if seconds < 10:
        return "under 10 s"
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 600:  # seconds still matter in a short answer
        minutes, rest = divmod(seconds, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    if seconds < 86400:
        return f"{round(seconds / 3600)} h"
    days = round(seconds / 86400)
    return f"{days} day" if days == 1 else f"{days} days"
