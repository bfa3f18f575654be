"""Delivery analytics on transcripts with known fillers, hedges and pauses, and on typed answers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.bank import Corpus, KeyPoint, Question
from simulator.speech import TYPED_WPM, Delivery, JobTerms, Transcript, Word, analyse_spoken, analyse_typed
from simulator.speech.delivery import LONG_PAUSE_S
from simulator.text import words

from .helpers import ROOT


def timed(*items: str | float, step: float = 0.3) -> Transcript:
    """A transcript from words and silences: a number is a silence of that many seconds."""
    words: list[Word] = []
    clock = 0.5  # the speaker starts half a second into the recording
    for item in items:
        if isinstance(item, float):
            clock += item
            continue
        for w in item.split():
            words.append(Word(text=w, start=round(clock, 3), end=round(clock + step - 0.05, 3)))
            clock += step
    text = " ".join(w.text for w in words)
    return Transcript(text=text, words=tuple(words), duration=round(clock + 1.0, 3), engine="test")


KNOWN = timed(
    "Um, so the model, like, drifts over time.",
    3.2,
    "You know, I think we basically retrain it weekly, sort of.",
    0.8,
    "Maybe the data drift is, uh, probably seasonal. I mean, the model registry keeps every model version.",
)


def test_known_fillers_hedges_and_pauses() -> None:
    d = analyse_spoken(KNOWN, ["data drift", "drift", "model registry", "retrain"])
    assert {c.term: c.count for c in d.fillers} == {
        "um": 1,
        "like": 1,
        "you know": 1,
        "basically": 1,
        "sort of": 1,
        "uh": 1,
        "i mean": 1,
    }
    assert d.filler_count == 7
    assert {c.term: c.count for c in d.hedges} == {"i think": 1, "maybe": 1, "probably": 1}
    # Only the 3.2 s silence is long; the 0.8 s one is a sentence break.
    assert len(d.long_pauses) == 1
    pause = d.long_pauses[0]
    assert pause.after == "time." and pause.seconds == pytest.approx(3.2 + 0.05, abs=0.01)
    assert d.pause_threshold_s == LONG_PAUSE_S
    # Pace over the speaking time (first word to last), not the whole recording.
    n = len(words(KNOWN.text))
    assert d.word_count == n == 36
    first, last = KNOWN.words[0], KNOWN.words[-1]
    speaking = last.end - first.start
    assert d.speaking_s == pytest.approx(speaking, abs=0.01)
    assert d.words_per_minute == pytest.approx(n / speaking * 60, abs=0.1)
    assert d.fillers_per_minute == pytest.approx(7 / speaking * 60, abs=0.1)
    assert d.duration_s == KNOWN.duration and d.spoken and not d.estimated
    # "drift" inside "data drift" is counted once, as the longer term; "retrain" matches "retrain".
    assert {c.term: c.count for c in d.job_terms} == {"drift": 1, "retrain": 1, "data drift": 1, "model registry": 1}
    assert {c.term: c.count for c in d.most_used} == {"model": 3, "drift": 2}  # "drifts" folded in
    assert any("3.2 s" in note for note in d.notes)


@pytest.mark.parametrize(
    "text",
    [
        "I would like to deploy the model on Kubernetes.",
        "The cache works like a queue.",
        "Tools like Airflow and Dagster schedule the jobs.",
        "What kind of model did you ship?",
        "A different sort of drift appears here.",
        "Do you know how drift is measured?",
        "If you know the schema, validate it.",
        "What I mean is that the labels arrive late.",
        "The model looks like it is overfitting.",
    ],
)
def test_words_that_only_look_like_fillers(text: str) -> None:
    assert analyse_typed(text).fillers == [], text


@pytest.mark.parametrize(
    ("text", "filler"),
    [
        ("It was, like, really slow.", "like"),
        ("So, like we had no alerts.", "like"),
        ("Like, we retrain weekly.", "like"),
        ("The rollout is kind of risky.", "kind of"),
        ("It sort of works.", "sort of"),
        ("You know, the labels arrive late.", "you know"),
        ("The labels arrive late, you know.", "you know"),
        ("I mean, it works.", "i mean"),
        ("Actually the model is fine.", "actually"),
        ("Uhm the model is fine.", "uhm"),
    ],
)
def test_fillers_in_context(text: str, filler: str) -> None:
    assert [c.term for c in analyse_typed(text).fillers] == [filler]


def test_hedges_count_the_longest_phrase() -> None:
    d = analyse_typed("I'm not sure, but I guess it might be the cache. I don't know. Perhaps it could be the disk.")
    assert {c.term: c.count for c in d.hedges} == {
        "i'm not sure": 1,
        "i guess": 1,
        "might be": 1,
        "i don't know": 1,
        "perhaps": 1,
        "could be": 1,
    }


def test_typed_answer_gets_an_estimated_speaking_time() -> None:
    text = " ".join(["drift"] * TYPED_WPM)
    d = analyse_typed(text, ["drift"])
    assert d.duration_s == 60.0 and d.estimated and not d.spoken
    assert d.words_per_minute is None and d.speaking_s is None and d.long_pauses == []
    assert d.job_terms[0].term == "drift" and d.job_terms[0].count == TYPED_WPM
    assert d.notes[0] == f"About 1 min to say aloud at {TYPED_WPM} words/min."


def test_engine_without_word_timings_uses_the_recording_length() -> None:
    t = Transcript(text="We retrain the model every week when drift is large.", duration=6.0, engine="online")
    d = analyse_spoken(t)
    assert d.speaking_s == 6.0 and d.words_per_minute == pytest.approx(10 / 6 * 60, abs=0.1)
    assert d.long_pauses == []


def test_corrected_transcript_keeps_the_timings() -> None:
    t = timed("Beta drift is watched weekly.", 2.5, "We retrain then.")
    d = analyse_spoken(t, ["data drift", "drift"], text="Data drift is watched weekly. We retrain then.")
    assert [c.term for c in d.job_terms] == ["data drift"]
    assert len(d.long_pauses) == 1 and d.speaking_s == analyse_spoken(t).speaking_s


def test_pace_notes() -> None:
    fast = analyse_spoken(timed("word " * 60, step=0.2))
    slow = analyse_spoken(timed("word " * 20, step=0.8))
    assert fast.words_per_minute and fast.words_per_minute > 170 and "faster" in fast.notes[0]
    assert slow.words_per_minute and slow.words_per_minute < 110 and "slower" in slow.notes[0]


def test_most_used_words_leave_out_stop_words_and_fold_plurals() -> None:
    d = analyse_typed("The models and the model: the pipeline, the pipelines, the pipeline. And it is the data.")
    assert [(c.term, c.count) for c in d.most_used] == [("pipeline", 3), ("model", 2)]


def test_delivery_round_trips_through_json() -> None:
    d = analyse_spoken(KNOWN, ["drift"])
    assert Delivery.model_validate_json(d.model_dump_json()) == d
    assert isinstance(d.model_dump(mode="json")["long_pauses"][0]["seconds"], float)


def _question(qid: str, key_points: list[str], tags: tuple[str, ...] = ()) -> Question:
    return Question(
        id=qid,
        prompt="How do you keep a model healthy in production?",
        kind="concept",
        category="monitoring",
        difficulty="easy",
        reference_answer="Watch it closely and retrain it when it drifts from the data it was trained on.",
        key_points=tuple(KeyPoint(text=k) for k in key_points),
        tags=tags,
    )


def test_job_terms_come_from_tags_and_the_banks_jargon() -> None:
    bank = [
        _question("a", ["Detect drift with PSI and roll back via the registry"], ("shadow-deployment",)),
        _question("b", ["Alert on drift and keep versions in the registry"]),
        _question("c", ["Compare drift against a registry baseline, then the incident mitigated"]),
    ]
    terms = JobTerms(bank)
    a = terms.for_question(bank[0])
    assert a[0] == "shadow deployment"  # tags first, hyphens as spaces
    assert "drift" in a and "registry" in a  # rare in English, used across the bank
    assert "detect" not in a  # used by one question only: prose
    assert "mitigated" not in terms.for_question(bank[2])
    assert "psi" in a  # an acronym is jargon even when used once
    used = analyse_typed("We ran a shadow deployment and watched drift.", a)
    assert {c.term for c in used.job_terms} == {"shadow deployment", "drift"}


def test_job_terms_of_the_real_bank() -> None:
    corpus = Corpus.load(ROOT / "corpus")
    terms = JobTerms(corpus.questions)
    every = terms.all()
    assert len(every) == len(set(every)) > 100
    for q in corpus.questions:
        assert all(t.replace("-", " ").lower() in terms.for_question(q) for t in q.tags), q.id
    assert {"drift", "latency", "rollback"} <= set(every)
    assert not {"model", "data", "users", "the"} & set(every)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_sane_metrics(text: str) -> None:
    d = analyse_typed(text, ["drift", "feature store"])
    assert d.word_count >= 0 and d.filler_count == sum(c.count for c in d.fillers)
    assert d.hedge_count == sum(c.count for c in d.hedges) and d.fillers_per_minute >= 0
    assert all(c.count >= 2 for c in d.most_used)
    Delivery.model_validate_json(d.model_dump_json())
