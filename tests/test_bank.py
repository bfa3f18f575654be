"""Importing a pack from an uploaded file: validated first, written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulator.bank import Corpus, load_pack
from simulator.bank.files import dump_pack
from simulator.bank.uploads import MAX_PACK_BYTES, add_pack, preview_import
from simulator.errors import PackError

from .helpers import NEW_PACK, ROOT, copy_corpus


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    return copy_corpus(tmp_path / "corpus")


def _yaml(data: object) -> bytes:
    return yaml.safe_dump(data, sort_keys=False).encode()


def test_a_valid_pack_is_previewed_then_added_whole(corpus_dir: Path, sim_home: Path) -> None:
    bank = Corpus.load(corpus_dir)
    preview = preview_import("extras.yaml", _yaml(NEW_PACK), bank, corpus_dir, sim_home / "tmp")
    assert preview.ok, preview.errors
    assert list(corpus_dir.glob("platform-extra*")) == []  # nothing written before the person confirms
    path = add_pack(preview, corpus_dir)
    assert path == corpus_dir / "platform-extra.yaml"
    assert load_pack(path) == preview.pack
    assert "extra-feature-flags" in Corpus.load(corpus_dir).pack_of
    assert list((sim_home / "tmp").iterdir()) == []  # the upload's temp copy is gone
    assert [p.name for p in corpus_dir.iterdir() if p.name.startswith(".import-")] == []
    again = preview_import("extras.yaml", _yaml(NEW_PACK), Corpus.load(corpus_dir), corpus_dir, sim_home / "tmp")
    assert not again.ok and any("already in the bank" in e for e in again.errors)
    with pytest.raises(PackError):
        add_pack(again, corpus_dir)


def test_validation_errors_name_the_question_and_field(corpus_dir: Path, sim_home: Path) -> None:
    bad = {**NEW_PACK, "questions": [{**NEW_PACK["questions"][0], "category": "astrology"}]}  # type: ignore[dict-item]
    preview = preview_import("bad.yaml", _yaml(bad), Corpus.load(corpus_dir), corpus_dir, sim_home / "tmp")
    assert not preview.ok
    assert any("question extra-feature-flags, field category" in e and "astrology" in e for e in preview.errors)


def test_ids_already_in_the_bank_are_refused(corpus_dir: Path, sim_home: Path) -> None:
    clash = {**NEW_PACK, "questions": [{**NEW_PACK["questions"][0], "id": "seed-shadow-deployment"}]}  # type: ignore[dict-item]
    preview = preview_import("clash.yaml", _yaml(clash), Corpus.load(corpus_dir), corpus_dir, sim_home / "tmp")
    assert preview.errors == ["question ids already in the bank: seed-shadow-deployment"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.yaml", b"  \n", "empty"),
        ("broken.yaml", b"pack: [unclosed", "broken YAML"),
        ("list.yaml", b"- a\n- b\n", "expected a mapping"),
        ("missing.yaml", _yaml({"pack": "x", "title": "t", "questions": [{"id": "q1"}]}), "question q1 field prompt"),
        ("big.yaml", b"#" * (MAX_PACK_BYTES + 1), "too large"),
        ("pack.exe", b"MZ\x90\x00", "not a pack file"),
    ],
)
def test_files_that_are_not_packs_get_one_plain_sentence(
    corpus_dir: Path, sim_home: Path, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(PackError, match=message) as err:
        preview_import(name, data, Corpus.load(corpus_dir), corpus_dir, sim_home / "tmp")
    assert "\n" not in str(err.value) and "Traceback" not in str(err.value)
    assert sorted(p.name for p in corpus_dir.iterdir()) == ["categories.yaml", "mlops-seed.yaml"]


def test_dump_pack_round_trips(tmp_path: Path) -> None:
    pack = load_pack(ROOT / "corpus" / "mlops-seed.yaml")
    path = tmp_path / "again.yaml"
    path.write_text(dump_pack(pack), encoding="utf-8")
    assert load_pack(path) == pack


def test_a_csv_sheet_is_imported_through_the_importers(corpus_dir: Path, sim_home: Path) -> None:
    sheet = (
        "question,answer,category\n"
        '"What is a canary release of a model?","A canary release sends a small share of live traffic to the new '
        "model while the rest stays on the old one. You compare error rates, latency and business metrics between "
        "the two groups, widen the share step by step when they hold, and roll back at once when they do not. It "
        'limits the damage of a bad model to a few users.",deployment\n'
    )
    preview = preview_import("canary.csv", sheet.encode(), Corpus.load(corpus_dir), corpus_dir, sim_home / "tmp")
    assert preview.ok, preview.errors
    [q] = preview.pack.questions
    assert q.category == "deployment" and q.needs_review  # what the importer guessed is marked
    assert any("needs_review" in w for w in preview.warnings)
    with pytest.raises(PackError) as err:
        preview_import("empty.csv", b"question,answer\n", Corpus.load(corpus_dir), corpus_dir, sim_home / "tmp")
    assert str(err.value).startswith("empty.csv")  # the uploaded name, not a temp path
