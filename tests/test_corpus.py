"""Every pack and rubric loads; a broken file gets a message naming file, question and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulator.bank import Corpus, load_pack
from simulator.bank.files import load_categories, pack_files
from simulator.errors import PackError

from .helpers import ROOT

CORPUS = ROOT / "corpus"


@pytest.mark.parametrize("path", pack_files(CORPUS), ids=lambda p: p.name)
def test_every_pack_loads_with_known_categories(path: Path) -> None:
    pack = load_pack(path)
    assert pack.pack == path.stem
    known = load_categories(CORPUS)
    for q in pack.questions:
        assert q.category in known, f"{path.name}: {q.id} has unknown category {q.category}"
        assert q.must_points


def test_corpus_ids_are_unique_and_seed_pack_is_complete() -> None:
    corpus = Corpus.load(CORPUS)
    assert len({q.id for q in corpus.questions}) == len(corpus.questions)
    seed = [q for q in corpus.questions if corpus.pack_of[q.id] == "mlops-seed"]
    assert len(seed) == 12  # 6 Q&As + 2 scenarios + 4 cheat-sheet lines of the seed sheet
    assert sum(q.kind == "scenario" for q in seed) == 2
    for q in seed:
        assert 80 <= len(q.reference_answer.split()) <= 200, q.id
        assert 3 <= len(q.key_points) <= 6, q.id
    text = " ".join(q.reference_answer for q in seed)
    assert "Evidently" in text and "Evidence AI" not in text


def test_seed_maturity_levels_follow_googles_guide() -> None:
    q = Corpus.load(CORPUS).get("seed-mlops-level-1-vs-2")
    ref = q.reference_answer.lower()
    assert "continuously trained" in ref and "ci/cd" in ref and "level 0 is a manual process" in ref


RUBRIC_FILES = sorted((ROOT / "rubrics").glob("*.yaml"))


@pytest.mark.parametrize("path", RUBRIC_FILES, ids=lambda p: p.name)
def test_rubrics_have_weighted_criteria_with_levels(path: Path) -> None:
    data = yaml.safe_load(path.read_text())
    assert data["kind"] == path.stem
    assert abs(sum(c["weight"] for c in data["criteria"]) - 1.0) < 1e-6
    for c in data["criteria"]:
        assert sorted(int(k) for k in c["levels"]) == list(range(data["scale"]["min"], data["scale"]["max"] + 1))


def test_rubric_kinds_cover_question_kinds() -> None:
    assert {p.stem for p in RUBRIC_FILES} >= {"concept", "scenario", "design", "behavioral"}


GOOD = """
pack: tiny
title: Tiny
questions:
  - id: tiny-1
    prompt: What is a canary release?
    kind: concept
    category: deployment
    difficulty: easy
    reference_answer: A canary release sends a small share of traffic to the new version first.
    key_points: [{text: Small share of traffic goes to the new version, weight: must}]
"""


@pytest.mark.parametrize(
    "text, expected",
    [
        (GOOD.replace("difficulty: easy", "difficulty: trivial"), "question tiny-1 field difficulty"),
        (GOOD.replace("kind: concept", "kind: concept\n    colour: red"), "question tiny-1 field colour"),
        (GOOD.replace("weight: must", "weight: maybe"), "question tiny-1 field key_points.0.weight"),
        (GOOD.replace("    prompt: What", "    prompt: [What"), "broken YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        (GOOD.replace("pack: tiny\n", ""), "field pack"),
    ],
)
def test_bad_pack_message_names_file_question_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(text)
    with pytest.raises(PackError) as err:
        load_pack(path)
    message = str(err.value)
    assert str(path) in message and expected in message
    assert "\n" not in message


def test_good_pack_loads(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(GOOD)
    assert load_pack(path).questions[0].key_points[0].weight == "must"


def test_binary_and_missing_packs_fail_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"\xff\xfe\x00\x01garbage")
    with pytest.raises(PackError, match="not UTF-8"):
        load_pack(path)
    with pytest.raises(PackError, match="No question packs found"):
        Corpus.load(tmp_path / "empty")


def test_bank_size_spread_and_bounds() -> None:
    corpus = Corpus.load(CORPUS)
    qs = corpus.questions
    assert len(qs) >= 200
    assert len({q.category for q in qs}) >= 12
    for level in ("easy", "medium", "hard"):
        assert sum(q.difficulty == level for q in qs) >= 0.15 * len(qs), level
    assert sum(q.kind != "concept" for q in qs) >= 40
    for q in qs:
        assert 60 <= len(q.reference_answer.split()) <= 250, q.id
        assert 3 <= len(q.key_points) <= 6 and 1 <= len(q.follow_ups) <= 3, q.id
        assert q.tags and q.sources, q.id
