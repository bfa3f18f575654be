"""Transcription primed with the question's terms: the prompt, and a real term recognised only when primed."""

from __future__ import annotations

import json
from pathlib import Path

import ctranslate2
import pytest

from simulator.bank import Corpus
from simulator.speech import JobTerms, WhisperTranscriber
from simulator.speech.transcribe import PROMPT_MAX_CHARS, default_transcriber, prompt_for

from .helpers import ROOT, say

# Said about drift: unprimed, Whisper tiny.en writes "Kolmogorov-Smirnov" as "Commodore on Smartphone".
SENTENCE = (
    "Data drift can be detected without labels by comparing live feature distributions with a training "
    "reference window, using statistics such as PSI or the Kolmogorov-Smirnov test."
)


@pytest.fixture(scope="module")
def bank() -> Corpus:
    return Corpus.load(ROOT / "corpus")


@pytest.fixture(scope="module")
def job_terms(bank: Corpus) -> JobTerms:
    return JobTerms(bank.questions)


def test_prompt_names_the_questions_terms_and_stays_short(bank: Corpus, job_terms: JobTerms) -> None:
    ks = bank.get("monitoring-ks-large-samples")
    prompt = prompt_for(ks, job_terms.for_question(ks))
    terms = prompt.split(", ")
    assert terms[0] == "Kolmogorov-Smirnov"  # named in the question itself, so first
    assert {"KS", "Wasserstein", "PSI", "Jensen-Shannon", "Bonferroni"} <= set(terms)
    # A drift question whose key points do not name the tests: its model answer does.
    drift = bank.get("seed-data-vs-concept-drift")
    assert {"PSI", "Kolmogorov-Smirnov", "covariate shift"} <= set(
        prompt_for(drift, job_terms.for_question(drift)).split(", ")
    )
    # Job terms come as the question writes them; a term at the start of a sentence is not a name.
    model_servers = bank.get("deployment-model-server-choice")
    assert "KServe" in prompt_for(model_servers, ["kserve"]).split(", ")
    assert prompt_for(bank.get("monitoring-psi-computation"), ["bin"]).split(", ")[-1] == "bin"
    # What was asked (a follow-up) leads.
    assert prompt_for(ks, asked="How would Evidently pick the test?").startswith("Evidently, ")
    for q in bank.questions:
        prompt = prompt_for(q, job_terms.for_question(q))
        assert 0 < len(prompt) <= PROMPT_MAX_CHARS, q.id
        assert len(set(prompt.lower().split(", "))) == len(prompt.split(", ")), prompt


@pytest.mark.slow
def test_a_domain_term_is_recognised_only_when_primed(bank: Corpus, job_terms: JobTerms, tmp_path: Path) -> None:
    wav = say(SENTENCE, tmp_path / "drift.wav")
    whisper: WhisperTranscriber = default_transcriber()
    drift = bank.get("seed-data-vs-concept-drift")
    ctranslate2.set_random_seed(0)  # Whisper samples when a greedy window looks wrong
    unprimed = whisper.transcribe(wav).text
    ctranslate2.set_random_seed(0)
    primed = whisper.transcribe(wav, prompt=prompt_for(drift, job_terms.for_question(drift))).text
    print(f"unprimed: {unprimed}\nprimed:   {primed}")
    assert "kolmogorov-smirnov" not in unprimed.lower()  # else this test shows nothing
    assert "kolmogorov-smirnov" in primed.lower()
    assert "PSI" in primed


@pytest.mark.slow
def test_the_cli_primes_with_the_question_it_is_given(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from simulator.cli import app

    wav = say(SENTENCE, tmp_path / "drift.wav")
    ctranslate2.set_random_seed(0)
    result = CliRunner().invoke(app, ["transcribe", str(wav), "-q", "seed-data-vs-concept-drift", "--json"])
    assert result.exit_code == 0, result.stderr
    assert "kolmogorov-smirnov" in json.loads(result.stdout)["text"].lower()
