"""Delivery analytics: pace, fillers, hedges, long pauses, most-used words and job terms.

Spoken answers get all of it from a Transcript's timed words; typed answers get what applies to
text, with the speaking time estimated. The result, `Delivery`, is plain JSON for the history.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from ..text import STOP_WORDS, clean, human_duration, stem, words

if TYPE_CHECKING:
    from ..bank import Question
    from .transcribe import Transcript

# Typed answers are timed as if read aloud at 130 words per minute: the middle of the 120-150 wpm
# range usually quoted for unhurried conversational English.
TYPED_WPM = 130
# A gap of 2 s between two words: about twice the ~1 s that conversation tolerates before a
# silence reads as hesitation (Jefferson's "standard maximum"), so sentence breaks and breaths
# are not flagged, with margin for Whisper's word boundaries, which are off by a few tenths.
LONG_PAUSE_S = 2.0
# Comfortable pace for an interview answer: slower drags, faster is hard to follow.
PACE_WPM = (110, 170)
MOST_USED = 5

# Always fillers, wherever they appear.
_ALWAYS_FILLERS = frozenset(
    {"um", "umm", "uh", "uhm", "uhh", "erm", "er", "hmm", "mm", "ah", "basically", "actually", "literally"}
)
# Ambiguous phrases; _is_filler decides from the words around them.
_PHRASE_FILLERS = (("you", "know"), ("i", "mean"), ("sort", "of"), ("kind", "of"), ("like",))
# A determiner before "kind of" / "sort of" makes it a noun phrase ("what kind of model").
# fmt: off
_DETERMINERS = frozenset([
    "a", "an", "the", "this", "that", "these", "those", "what", "which", "any", "some", "every", "each",
    "one", "same", "another", "no", "my", "our", "your", "their", "its", "of", "all", "many", "different",
])
# fmt: on
_PRONOUNS = frozenset(["i", "we", "you", "they", "he", "she", "it"])
_HEDGES = (
    ("i'm", "not", "sure"),
    ("i", "am", "not", "sure"),
    ("i", "don't", "know"),
    ("i", "do", "not", "know"),
    ("i", "feel", "like"),
    ("i", "would", "say"),
    ("i'd", "say"),
    ("not", "sure"),
    ("i", "think"),
    ("i", "guess"),
    ("i", "believe"),
    ("i", "suppose"),
    ("might", "be"),
    ("could", "be"),
    ("maybe",),
    ("perhaps",),
    ("probably",),
    ("possibly",),
)
_TOKEN = re.compile(r"[^\W_]+(?:['’\-/.][^\W_]+)*|[.,!?;:…]+")
_PUNCT = re.compile(r"[.,!?;:…]+")
# Words rarer than this Zipf frequency (~20 per million words) are technical enough to count as
# job terms: "drift", "registry", "latency", "pipeline" pass, "model", "data", "users" do not.
_TERM_ZIPF = 4.3


class Count(BaseModel):
    """A word or phrase and how often it was used."""

    model_config = ConfigDict(extra="forbid")

    term: str
    count: int


class Pause(BaseModel):
    """A silence between two words, in seconds from the start of the recording."""

    model_config = ConfigDict(extra="forbid")

    start: float
    end: float
    seconds: float
    after: str = Field(description="The word said just before the pause")


class Delivery(BaseModel):
    """How an answer was delivered; JSON-serialisable (`model_dump(mode="json")`) for the history."""

    model_config = ConfigDict(extra="forbid")

    spoken: bool
    word_count: int
    duration_s: float = Field(description="Recording length; for typed answers, the estimated speaking time")
    estimated: bool = Field(description="True when the time is estimated from text at TYPED_WPM")
    speaking_s: float | None = Field(default=None, description="First word to last word (spoken answers)")
    words_per_minute: float | None = Field(default=None, description="Over the speaking time (spoken answers)")
    fillers: list[Count] = []
    filler_count: int = 0
    fillers_per_minute: float = 0.0
    hedges: list[Count] = []
    hedge_count: int = 0
    long_pauses: list[Pause] = []
    pause_threshold_s: float = LONG_PAUSE_S
    most_used: list[Count] = []
    job_terms: list[Count] = []
    notes: list[str] = []


def _tokens(text: str) -> list[str]:
    """Lower-case words and punctuation marks, apostrophes unified."""
    return [t.lower().replace("’", "'") for t in _TOKEN.findall(clean(text))]


def _boundary(tokens: list[str], i: int) -> bool:
    """True when position i is outside the tokens or a punctuation mark."""
    return i < 0 or i >= len(tokens) or bool(_PUNCT.fullmatch(tokens[i]))


def _is_filler(phrase: tuple[str, ...], tokens: list[str], i: int, fillers_before: bool) -> bool:
    """Whether an ambiguous phrase at tokens[i:] is a filler, from the words around it."""
    j = i + len(phrase)
    before = tokens[i - 1] if i > 0 else ""
    after = tokens[j] if j < len(tokens) else ""
    set_off = _boundary(tokens, i - 1) or fillers_before
    if phrase == ("like",):
        # "and, like, it" or "um like" or "Like, we" vs "looks like a cache", "would like to".
        return _boundary(tokens, j) or (set_off and (after in _PRONOUNS or after == "" or after in _ALWAYS_FILLERS))
    if phrase == ("you", "know"):
        # "you know, the" vs "do you know how", "if you know the schema".
        if before in {"do", "did", "don't", "didn't", "if", "as", "what", "whether", "'d"}:
            return False
        return _boundary(tokens, j) or set_off
    if phrase == ("i", "mean"):
        # "I mean, it works" vs "what I mean is", "I mean that the".
        return before not in {"what", "which"} and (
            _boundary(tokens, j) or (set_off and after not in {"that", "to", "it", "this", "the", "is"})
        )
    # "sort of" / "kind of": "it's kind of slow" vs "what kind of model".
    return before not in _DETERMINERS and before not in {"kinds", "sorts"}


def _count_phrases(tokens: list[str]) -> tuple[Counter[str], Counter[str], set[int]]:
    """Filler and hedge counts, and the token positions they cover."""
    fillers: Counter[str] = Counter()
    hedges: Counter[str] = Counter()
    used: set[int] = set()
    i = 0
    last_filler_end = -1
    while i < len(tokens):
        token = tokens[i]
        if token in _ALWAYS_FILLERS:
            fillers[token] += 1
            used.add(i)
            last_filler_end = i + 1
            i += 1
            continue
        matched = False
        for hedge in _HEDGES:
            if tuple(tokens[i : i + len(hedge)]) == hedge:
                hedges[" ".join(hedge)] += 1
                used.update(range(i, i + len(hedge)))
                i += len(hedge)
                matched = True
                break
        if matched:
            continue
        for phrase in _PHRASE_FILLERS:
            if tuple(tokens[i : i + len(phrase)]) == phrase and _is_filler(
                phrase, tokens, i, fillers_before=last_filler_end == i
            ):
                fillers[" ".join(phrase)] += 1
                used.update(range(i, i + len(phrase)))
                i += len(phrase)
                last_filler_end = i
                matched = True
                break
        if not matched:
            i += 1
    return fillers, hedges, used


def _term_key(term: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in re.split(r"[\s\-_/]+", term.lower().replace("a/b", "ab")) if w)


def _lemmas(word: str) -> set[str]:
    """The word and its crude base forms: "mitigated" -> "mitigate", "pipelines" -> "pipeline"."""
    out = {word}
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            out.add(word[: -len(suffix)] + repl)
    return out


@lru_cache(maxsize=8192)
def _everyday(word: str) -> bool:
    """Common in general English (any base form at Zipf >= 4.3, ~20 per million words)."""
    from wordfreq import zipf_frequency

    return max(zipf_frequency(w, "en") for w in _lemmas(word)) >= _TERM_ZIPF


class JobTerms:
    """Job-related terms of a question bank: tags, and technical words of the key points.

    A key-point word is technical when it is rare in everyday English and the bank uses it in at
    least MIN_QUESTIONS questions ("drift", "registry", "rollback"), or when it is shaped like a
    product name (MLflow, KServe). Words the bank uses once ("mitigated") are prose, not jargon.
    """

    MIN_QUESTIONS = 3

    def __init__(self, questions: Sequence[Question]):
        self.questions = list(questions)
        self._df: Counter[str] = Counter()
        for q in self.questions:
            text = " ".join([q.prompt, q.reference_answer, *(k.text for k in q.key_points)])
            self._df.update({w.lower() for w in words(text)})
        self._cache: dict[str, list[str]] = {}

    def _technical(self, word: str) -> bool:
        low = word.lower()
        # Adverbs and past participles ("mitigated", "skipped") are the prose around the jargon.
        if len(low) < 3 or low in STOP_WORDS or low in _ALWAYS_FILLERS or low.endswith(("ly", "ed")):
            return False
        if any(c.isupper() for c in word[1:]):  # MLflow, KServe, PyTorch, CI/CD
            return True
        return low.isalpha() and self._df[low] >= self.MIN_QUESTIONS and not _everyday(low)

    def for_question(self, question: Question) -> list[str]:
        """Terms of one question: its tags (hyphens as spaces), then its key points' technical words."""
        if question.id not in self._cache:
            terms = [t.replace("-", " ").lower() for t in question.tags]
            terms += [w.lower() for k in question.key_points for w in words(k.text) if self._technical(w)]
            self._cache[question.id] = list(dict.fromkeys(terms))
        return self._cache[question.id]

    def all(self) -> list[str]:
        """Terms of every question, without repeats."""
        return list(dict.fromkeys(t for q in self.questions for t in self.for_question(q)))


def _match_terms(tokens: list[str], terms: Sequence[str]) -> Counter[str]:
    """Terms used in the answer, longest first, each stretch of words counted once."""
    shortest: dict[tuple[str, ...], str] = {}  # "retrain" rather than "retrains" for the same stems
    for term in terms:
        key = _term_key(term)
        if key and (key not in shortest or len(term) < len(shortest[key])):
            shortest[key] = term
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for key, term in shortest.items():
        index.setdefault(key[0], []).append((key, term))
    for options in index.values():
        options.sort(key=lambda kt: -len(kt[0]))
    stems = [stem(t) for t in tokens]
    found: Counter[str] = Counter()
    i = 0
    while i < len(stems):
        for key, term in index.get(stems[i], ()):
            if tuple(stems[i : i + len(key)]) == key:
                found[term] += 1
                i += len(key)
                break
        else:
            i += 1
    return found


def _counts(counter: Counter[str], limit: int | None = None) -> list[Count]:
    return [Count(term=t, count=c) for t, c in counter.most_common(limit)]


def _most_used(tokens: list[str], skip: set[int]) -> list[Count]:
    """Content words used at least twice, plurals folded (stop words, fillers and hedges out)."""
    forms: dict[str, Counter[str]] = {}
    for i, t in enumerate(tokens):
        if i not in skip and t.isalpha() and len(t) > 2 and t not in STOP_WORDS:
            forms.setdefault(stem(t), Counter())[t] += 1
    ranked = sorted(forms.values(), key=lambda c: -c.total())  # stable: first used first on ties
    return [
        Count(term=min(c, key=lambda form: (-c[form], len(form))), count=c.total())  # "model" over "models"
        for c in ranked[:MOST_USED]
        if c.total() >= 2
    ]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _per_minute(count: int, seconds: float) -> float:
    return round(count / (seconds / 60), 1) if seconds > 0 else 0.0


def _notes(d: Delivery) -> list[str]:
    notes = []
    if d.words_per_minute is not None:
        low, high = PACE_WPM
        if d.words_per_minute < low:
            notes.append(f"Pace {d.words_per_minute:.0f} words/min: slower than {low}; keep the answer moving.")
        elif d.words_per_minute > high:
            notes.append(f"Pace {d.words_per_minute:.0f} words/min: faster than {high}; slow down and breathe.")
        else:
            notes.append(f"Pace {d.words_per_minute:.0f} words/min: comfortable ({low}-{high}).")
    else:
        notes.append(f"About {human_duration(d.duration_s)} to say aloud at {TYPED_WPM} words/min.")
    if d.filler_count:
        listed = ", ".join(f"“{c.term}” ×{c.count}" for c in d.fillers)
        notes.append(f"{_plural(d.filler_count, 'filler word')} ({d.fillers_per_minute}/min): {listed}.")
    if d.hedge_count:
        listed = ", ".join(f"“{c.term}” ×{c.count}" for c in d.hedges)
        notes.append(f"{_plural(d.hedge_count, 'hedge')}: {listed}; state what you know plainly.")
    if d.long_pauses:
        longest = max(p.seconds for p in d.long_pauses)
        notes.append(
            f"{_plural(len(d.long_pauses), 'long pause')} (≥ {d.pause_threshold_s:.0f} s), the longest {longest:.1f} s."
        )
    if d.job_terms:
        notes.append("Job terms used: " + ", ".join(c.term for c in d.job_terms) + ".")
    return notes


def _analyse(
    text: str, terms: Sequence[str], spoken: bool, duration: float, speaking: float | None, pauses: list[Pause]
) -> Delivery:
    tokens = _tokens(text)
    fillers, hedges, used = _count_phrases(tokens)
    n_words = len(words(text))
    minutes_of = speaking if speaking else duration
    wpm = round(n_words / (speaking / 60), 1) if spoken and speaking and speaking >= 1.0 else None
    delivery = Delivery(
        spoken=spoken,
        word_count=n_words,
        duration_s=round(duration, 2),
        estimated=not spoken,
        speaking_s=round(speaking, 2) if speaking is not None else None,
        words_per_minute=wpm,
        fillers=_counts(fillers),
        filler_count=sum(fillers.values()),
        fillers_per_minute=_per_minute(sum(fillers.values()), minutes_of),
        hedges=_counts(hedges),
        hedge_count=sum(hedges.values()),
        long_pauses=pauses,
        most_used=_most_used(tokens, used),
        job_terms=_counts(_match_terms([t for t in tokens if not _PUNCT.fullmatch(t)], terms)),
    )
    delivery.notes = _notes(delivery)
    return delivery


def long_pauses(transcript: Transcript, threshold: float = LONG_PAUSE_S) -> list[Pause]:
    """Silences between consecutive words of at least `threshold` seconds."""
    found = []
    for before, after in zip(transcript.words, transcript.words[1:]):
        gap = after.start - before.end
        if gap >= threshold:
            found.append(Pause(start=before.end, end=after.start, seconds=round(gap, 2), after=before.text))
    return found


def analyse_spoken(transcript: Transcript, terms: Sequence[str] = (), text: str | None = None) -> Delivery:
    """Delivery of a spoken answer: pace over the speaking time, fillers, hedges, pauses, terms.

    `text` is the transcript as the speaker corrected it (recognition slips fixed); timings still
    come from the recording.
    """
    if transcript.words:
        speaking: float | None = max(0.0, transcript.words[-1].end - transcript.words[0].start)
    else:
        speaking = transcript.duration  # engines without word timings: the whole recording
    said = transcript.text if text is None else text
    return _analyse(said, terms, True, transcript.duration, speaking, long_pauses(transcript))


def analyse_typed(text: str, terms: Sequence[str] = ()) -> Delivery:
    """Delivery of a typed answer: speaking time estimated at TYPED_WPM; fillers, hedges, terms."""
    seconds = len(words(text)) / TYPED_WPM * 60
    return _analyse(text, terms, False, seconds, None, [])
