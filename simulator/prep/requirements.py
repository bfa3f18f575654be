"""A job description as its requirements: bullet by bullet, sentence by sentence, without the
company's introduction, the benefits and the application instructions."""

from __future__ import annotations

import re

from ..text import BULLET, MARKDOWN_MARKS, clean, split_sentences, words

MAX_REQUIREMENTS = 40
_HEADING = re.compile(r"^\s*(?:#{1,6}\s*)?([^.!?]{2,60}?)\s*:?\s*$")
# Sections whose lines are about the company or the offer, not about the candidate.
_SKIPPED = re.compile(
    r"\b(about|benefits|perks|offer|salary|compensation|apply|application|equal opportunit|who we are|"
    r"our (?:team|company|mission|culture)|location|why join)",
    re.I,
)
# Prose outside a requirements section counts when it says something about the candidate.
_ASKS = re.compile(
    r"\b(experience|you (?:will|have|are|bring|can|know)|familiar|knowledge|proficien|years|skills?|"
    r"ability|able to|must|should|expert|understanding|background|comfortable|hands-on|track record)\b",
    re.I,
)


def job_requirements(text: str) -> list[str]:
    """The requirements of a posting, in order: each bullet, and each sentence of its prose that
    asks something of the candidate; headings and the sections about the company left out."""
    out: list[str] = []
    skipping = False
    in_list_section = False
    for raw in clean(text).splitlines():
        if not words(raw):
            continue
        bullet = bool(BULLET.match(raw))
        if not bullet and _is_heading(raw):
            skipping = bool(_SKIPPED.search(raw))
            in_list_section = True
            continue
        if skipping:
            continue
        line = re.sub(r"\s+", " ", MARKDOWN_MARKS.sub("", BULLET.sub("", raw))).strip()
        for sentence in split_sentences(line):
            if bullet or (in_list_section and len(words(sentence)) >= 3) or _ASKS.search(sentence):
                out.append(sentence.strip())
    return out[:MAX_REQUIREMENTS]


def _is_heading(line: str) -> bool:
    """A short line without a sentence's end: "Requirements", "## What you'll do:", "Nice to have"."""
    if not _HEADING.match(line) or len(words(line)) > 6:
        return False
    return line.rstrip().endswith(":") or line.lstrip().startswith("#") or len(words(line)) <= 4
