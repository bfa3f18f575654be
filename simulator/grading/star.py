"""STAR structure of a behavioural answer: which sentences tell the Situation, Task, Action and
Result, who acted ("I" or "we"), and whether the result is measured.

Each sentence gets the part it is nearest to, by meaning (the sentence's cosine to short example
sentences of each part, `PROTOTYPES`) plus a few cues a reader uses too: "my job was" says task,
"I built" says action, "which cut latency by 40%" says result. Reflections and asides are `other`.
No LLM and no fitted model: four weights (`CUE_WEIGHT`, `OTHER_FLOOR`, `POSITION_WEIGHT`,
`GOING_BACK`), chosen on the train split of tests/data/star (docs/ACCURACY.md has the held-out figures).
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Literal, get_args

import numpy as np

from ..embeddings import Embedder
from .judgement import StarAnalysis, StarComponent, StarPart

Label = Literal["situation", "task", "action", "result", "other"]
LABELS: tuple[Label, ...] = get_args(Label)
PARTS: tuple[StarPart, ...] = get_args(StarPart)

PROTOTYPES: dict[Label, tuple[str, ...]] = {
    "situation": (
        "At my previous company we had a recommendation model in production.",
        "Our team ran the ML platform for about twenty data scientists.",
        "The fraud model was retrained every week by a fragile cron job.",
        "Last year our training pipeline kept failing at night.",
        "The context was a payments company with strict latency limits.",
        "There was a lot of pressure because a big launch was coming up.",
    ),
    "task": (
        "My job was to fix it before the launch.",
        "I was asked to lead the migration.",
        "I was responsible for getting the model into production.",
        "The goal was to cut the serving cost without losing accuracy.",
        "I had to decide whether we could ship on time.",
        "As the on-call engineer it was my responsibility to restore the service.",
    ),
    "action": (
        "I wrote a script that compared the feature values.",
        "I set up a canary deployment and rolled it out gradually.",
        "First I rolled back the model, then I looked at the logs.",
        "I met with the product manager and walked her through the analysis.",
        "We added data validation checks to the pipeline.",
        "I built a dashboard and added alerts on the null rate.",
        "I proposed a plan and paired with the team on the first migration.",
    ),
    "result": (
        "As a result, latency dropped by forty percent.",
        "In the end the model launched on time.",
        "The number of incidents went down to zero over the next quarter.",
        "It saved the team about ten hours a week.",
        "The outcome was that every team adopted the platform.",
        "After that, retraining took two hours instead of two days.",
    ),
    "other": (
        "Looking back, I would have involved the other team earlier.",
        "What I learned is that communication matters.",
        "Next time I would write the tests first.",
        "That is a good question, let me think.",
        "I like working with people and I am a fast learner.",
    ),
}

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_I = frozenset({"i", "i'm", "i've", "i'd", "i'll"})
_WE = frozenset({"we", "we're", "we've", "we'd", "we'll"})
_CUES: dict[Label, re.Pattern[str]] = {
    "situation": re.compile(
        r"\b(at my (last|previous|current|old) (job|company|team|role)|(last|this) (year|quarter|spring|summer|winter|"
        r"autumn|month)|a few (years|months) ago|at the time|when i (was|joined)|(we|our team|the team) (had|was|were|"
        r"ran|used)|there (was|were)|(the|our) (problem|issue|situation|context|setup) was|used to|i worked)\b"
    ),
    "task": re.compile(
        r"\b(my (job|task|goal|role|responsibility|mandate) (was|became)|"
        r"i was (asked|tasked|responsible|expected|brought in|the one|on call|given)|"
        r"i (needed|had|wanted) to|(the|our) (goal|task|mandate|objective|ask) was|"
        r"responsible for|it was (my|up to me)|we needed to|we had to|i owned|i was leading|i led the|asked me to|"
        r"i volunteered|i offered to|i wanted (to|the|our)|my (manager|lead|boss) (asked|wanted))\b"
    ),
    "action": re.compile(
        r"^(so |then |first,? |next,? |after that,? |finally,? |also,? |second,? |third,? |once .{0,40}, )?"
        r"(i|we) (\w+ed|built|wrote|set|ran|made|took|led|got|put|found|drove|chose|sent|met|brought|spent|began|"
        r"kept|sat|told|gave|did|went|split|cut|dug|held|read|rewrote|broke|sought|taught|shadowed|also|then|"
        r"first|personally|started|moved|pushed|proposed|paired)\b"
    ),
    "result": re.compile(
        r"\b(as a result|in the end|the result|resulted in|the outcome|afterwards|since then|by the end|ended up|"
        r"went (from|down|up)|dropped|fell|reduced|cut (the|our|it)|improved|increased|decreased|saved|"
        r"no longer|led to|paid off|launched on time|shipped on time|adopted|within (a|two|three|\d))\b"
    ),
    "other": re.compile(
        r"\b(looking back|in hindsight|i learned|i learnt|lesson|next time|i would (have|do|say)|if i did it again|"
        r"i think|i believe|in general|you should|you need to|honestly|to be fair|anyway|everybody knows|"
        r"my approach|(is|are) (key|important|crucial|essential|great|popular))\b"
    ),
}
# A cue is strong evidence: it outweighs the gap between the nearest and second-nearest part's cosine
# on most sentences (0.05-0.15 on the train split). The four weights below were chosen by a grid
# search on the train split only (macro F1 of the four parts; `interview-sim star-eval` prints it).
CUE_WEIGHT = 0.25
# A sentence near no part by meaning (cosine below this to every example) is an aside: "other".
OTHER_FLOOR = 0.30
# Stories run in order: situation near the start, result near the end. Weight of the sentence's place.
POSITION_WEIGHT = 0.10

NUMBER_WORDS = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|"
    "thousand|million|half|halved|doubled|tripled|twice|zero|dozen"
)
_NUMBER = r"(?<![\w-])\d+(?:[.,]\d+)*"
_UNIT = r"\s*(%|percent|x\b|ms\b|milliseconds|seconds|minutes|hours|days|weeks|months|dollars|k\b)"
_FREQUENCY = r"(hourly|daily|weekly|monthly|quarterly|yearly|minutes|hours|days|weeks|months)"
# What measures a result, the most telling first: a before/after, a number with its unit, a bare
# number, a number in words ("halved", "twelve").
_MEASURES = (
    re.compile(rf"\bfrom [^,;]{{0,40}}?{_NUMBER}[^,;]{{0,25}}? to [^,;]{{0,25}}?{_NUMBER}({_UNIT})?", re.IGNORECASE),
    re.compile(rf"\bfrom (\w+ ){{0,3}}?{_FREQUENCY} to (\w+ ){{0,3}}?{_FREQUENCY}", re.IGNORECASE),
    re.compile(rf"\b((\d+|{NUMBER_WORDS}) )?{_FREQUENCY} (instead of|rather than) (\w+ )?{_FREQUENCY}", re.IGNORECASE),
    re.compile(rf"\$?{_NUMBER}{_UNIT}", re.IGNORECASE),
    re.compile(rf"\$?{_NUMBER}"),
    re.compile(rf"\b({NUMBER_WORDS})\b( (percent|times|hours|days|weeks|minutes|months))?", re.IGNORECASE),
)


def pronouns(sentence: str) -> tuple[int, int]:
    """How many times the sentence says "I" and "we"."""
    tokens = _WORD.findall(sentence.lower().replace("’", "'"))
    return sum(t in _I for t in tokens), sum(t in _WE for t in tokens)


def measure(sentence: str) -> str | None:
    """The number, percentage or before/after that measures a result in `sentence`, if any."""
    for pattern in _MEASURES:
        if m := pattern.search(sentence):
            return m.group(0).strip()
    return None


def prototype_texts() -> tuple[list[str], list[Label]]:
    """The example sentences to embed once, and the label of each."""
    texts = [t for label in LABELS for t in PROTOTYPES[label]]
    labels = [label for label in LABELS for _ in PROTOTYPES[label]]
    return texts, labels


def scores(sentences: list[str], vectors: np.ndarray, prototypes: np.ndarray) -> np.ndarray:
    """(sentences, labels) evidence for each label: nearest example's cosine, cues and position."""
    _, proto_labels = prototype_texts()
    sims = vectors @ prototypes.T
    out = np.stack(
        [sims[:, [i for i, p in enumerate(proto_labels) if p == label]].max(axis=1) for label in LABELS], axis=1
    )
    other = LABELS.index("other")
    out[:, other] = np.maximum(out[:, other], OTHER_FLOOR)
    n = len(sentences)
    for i, sentence in enumerate(sentences):
        lower = sentence.lower().replace("’", "'")
        for j, label in enumerate(LABELS):
            if _CUES[label].search(lower):
                out[i, j] += CUE_WEIGHT
        if measure(sentence) and _CUES["result"].search(lower):
            out[i, LABELS.index("result")] += CUE_WEIGHT
        place = i / (n - 1) if n > 1 else 0.5
        out[i, LABELS.index("situation")] += POSITION_WEIGHT * (1 - place)
        out[i, LABELS.index("result")] += POSITION_WEIGHT * place
    return out


def label_sentences(sentences: list[str], vectors: np.ndarray, prototypes: np.ndarray) -> list[Label]:
    """The part each sentence tells: the labels with the most evidence over the whole answer, where
    going back to an earlier part costs `GOING_BACK` (a story runs situation, task, action, result),
    and a sentence headed "Situation:", "Action:"... tells that part, as do the ones after it."""
    if not sentences:
        return []
    evidence = scores(sentences, vectors, prototypes)
    labels = [LABELS[k] for k in _best_path(evidence)]
    heading: Label | None = None
    for i, sentence in enumerate(sentences):
        m = _HEADING.match(sentence)
        if m:
            heading = _HEADINGS[m.group(1).lower()]
        if heading is not None:
            labels[i] = heading
    return labels


# What a step back in the story costs, against the evidence of one sentence (cosine plus cues): a
# result told before the actions needs clearly more evidence than an action there.
GOING_BACK = 0.10
_ORDER = {label: i for i, label in enumerate(LABELS[:4])}  # "other" may come anywhere
_HEADINGS: dict[str, Label] = {
    "situation": "situation", "context": "situation", "background": "situation", "task": "task",
    "goal": "task", "action": "action", "actions": "action", "result": "result", "results": "result",
    "outcome": "result", "impact": "result", "reflection": "other", "lesson": "other", "learning": "other",
}  # fmt: skip
_HEADING = re.compile(r"^\s*(" + "|".join(_HEADINGS) + r")\s*[:\-–—]", re.IGNORECASE)


def _step(before: int, after: int) -> float:
    """The cost of telling label `after` right after the furthest part reached, `before`."""
    return GOING_BACK if LABELS[after] in _ORDER and _ORDER[LABELS[after]] < before else 0.0


def _best_path(evidence: np.ndarray) -> list[int]:
    """Viterbi over (sentence, label, furthest part reached so far): the labels that maximise the
    evidence less the cost of each step back."""
    n, k = evidence.shape
    parts = len(_ORDER)
    # state: (label, furthest STAR part reached: 0..3, or -1 encoded as 0 with nothing reached yet)
    best = np.full((n, k, parts + 1), -np.inf)
    back: dict[tuple[int, int, int], tuple[int, int]] = {}
    for j in range(k):
        best[0, j, _reach(-1, j)] = evidence[0, j]
    for i in range(1, n):
        for j0 in range(k):
            for r0 in range(parts + 1):
                if best[i - 1, j0, r0] == -np.inf:
                    continue
                for j in range(k):
                    value = best[i - 1, j0, r0] + evidence[i, j] - _step(r0 - 1, j)
                    r = _reach(r0 - 1, j)
                    if value > best[i, j, r]:
                        best[i, j, r] = value
                        back[(i, j, r)] = (j0, r0)
    last = np.unravel_index(int(np.argmax(best[n - 1])), best[n - 1].shape)
    state = (int(last[0]), int(last[1]))
    path = [state[0]]
    for i in range(n - 1, 0, -1):
        state = back[(i, *state)]
        path.append(state[0])
    return path[::-1]


def _reach(furthest: int, label: int) -> int:
    """The furthest part reached after `label`, shifted by one (0: none yet)."""
    order = _ORDER.get(LABELS[label], -1)
    return max(furthest, order) + 1


def analyse(sentences: list[str], vectors: np.ndarray, prototypes: np.ndarray) -> StarAnalysis:
    """The STAR analysis of an answer split into `sentences`, with their sentence vectors."""
    labels = label_sentences(sentences, vectors, prototypes)
    components = [
        StarComponent(
            part=part,
            sentence_indices=[i for i, label in enumerate(labels) if label == part],
            evidence=[s for s, label in zip(sentences, labels) if label == part],
        )
        for part in PARTS
    ]
    actions = [s for s, label in zip(sentences, labels) if label == "action"]
    i_count = sum(pronouns(s)[0] for s in actions)
    we_count = sum(pronouns(s)[1] for s in actions)
    results = [s for s, label in zip(sentences, labels) if label == "result"]
    measured = next(((s, m) for s in results if (m := measure(s))), None)
    analysis = StarAnalysis(
        components=components,
        i_count=i_count,
        we_count=we_count,
        measured=measured is not None,
        measure=measured[1] if measured else None,
        measure_evidence=measured[0] if measured else None,
    )
    return analysis.model_copy(update={"feedback": star_feedback(analysis)})


class StarReader:
    """Reads STAR structure with an embedder; the example sentences are embedded once, on first use."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder

    @cached_property
    def prototypes(self) -> np.ndarray:
        return self.embedder.embed_batch(prototype_texts()[0])

    def labels(self, sentences: list[str], vectors: np.ndarray | None = None) -> list[Label]:
        """The part each sentence tells (`vectors`: their sentence vectors, embedded here when None)."""
        if not sentences:
            return []
        return label_sentences(sentences, self._vectors(sentences, vectors), self.prototypes)

    def analyse(self, sentences: list[str], vectors: np.ndarray | None = None) -> StarAnalysis:
        """The STAR analysis of an answer's sentences."""
        return analyse(sentences, self._vectors(sentences, vectors), self.prototypes)

    def _vectors(self, sentences: list[str], vectors: np.ndarray | None) -> np.ndarray:
        return self.embedder.embed_batch(sentences) if vectors is None else vectors


# "We" outnumbering "I" this much in the actions hides what the candidate did.
WE_HEAVY_SHARE = 0.4  # "I" below this share of "I"+"we" ...
WE_HEAVY_MIN = 2  # ... with "we" said at least this often
MISSING: dict[StarPart, str] = {
    "situation": "Situation: missing — open with the context in a sentence or two: the team, the system, the stakes.",
    "task": "Task: missing — say what you were responsible for or asked to achieve.",
    "action": "Action: missing — say what you did, step by step, in the first person.",
    "result": "Result: missing — end with what happened because of what you did, with a number if you can.",
}


def we_heavy(analysis: StarAnalysis) -> bool:
    """Whether the actions say "we" so much more than "I" that the candidate's part is hidden."""
    said = analysis.i_count + analysis.we_count
    return analysis.we_count >= WE_HEAVY_MIN and analysis.i_count < WE_HEAVY_SHARE * said


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def star_feedback(analysis: StarAnalysis) -> list[str]:
    """What is missing or weak in the story, with the sentences that show it."""
    notes = [MISSING[c.part] for c in analysis.components if not c.found]
    result = analysis.part("result")
    if result.found and not analysis.measured:
        notes.append(
            f"Result: not measured — add a number: “{result.evidence[-1]}” could say by how much "
            "(a percentage, a before/after, the time or money saved)."
        )
    elif analysis.measured:
        notes.append(f"Result measured ({analysis.measure}): “{analysis.measure_evidence}”")
    if we_heavy(analysis):
        i_said = "not once" if analysis.i_count == 0 else _times(analysis.i_count)
        notes.append(
            f"Actions say 'we' {_times(analysis.we_count)} and 'I' {i_said}: say what you did, "
            "the interviewer is hiring you, not the team."
        )
    return notes
