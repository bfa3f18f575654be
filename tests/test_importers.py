"""Importers: the seed sheet, CSV, and bad files that must fail cleanly without writing anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulator.bank import load_pack
from simulator.bank.files import load_categories
from simulator.bank.importers import clean_heading, import_file
from simulator.bank.validation import validate
from simulator.cli import app
from simulator.embeddings import MiniLMEmbedder
from simulator.errors import PackError

from .helpers import ROOT, SEED

CATEGORIES = load_categories(ROOT / "corpus")
needs_seed = pytest.mark.skipif(not SEED.exists(), reason=f"seed sheet not found at {SEED}")


@needs_seed
def test_seed_sheet_imports_every_item_with_clean_headings(embedder: MiniLMEmbedder, tmp_path: Path) -> None:
    pack = import_file(SEED, CATEGORIES, embedder)
    qs = pack.questions
    assert pack.title == "MLOps Interview Preparation"
    assert len(qs) == 12  # 6 Q&As, 2 scenarios, 4 cheat-sheet lines
    assert [q.kind for q in qs].count("scenario") == 2
    assert qs[0].prompt == "What is the difference between Data Drift and Concept Drift?"
    assert [k.text for k in qs[0].key_points] == [
        "Data Drift is a change in the inputs (x)",
        "Concept Drift is a change in the mapping from input to output (y|x)",
    ]
    assert qs[-1].prompt == "Which tool would you pick for quick APIs, and why?"
    assert "FastAPI" in qs[-1].reference_answer
    assert {q.tags[0] for q in qs} == {
        "lifecycle-process",
        "infrastructure-scaling",
        "engineering-scenarios",
        "mlops-engineering-cheat-sheet",
    }
    for q in qs:
        assert q.key_points and set(q.needs_review) >= {"key_points", "difficulty", "category"}
        assert q.category in CATEGORIES
        assert "ü" not in q.prompt + " ".join(q.tags)
    assert {q.category for q in qs if "Feature Store" in q.prompt} == {"feature-stores"}
    assert {q.category for q in qs if "DVC over" in q.prompt} == {"data-versioning"}

    # It validates on its own (against the bank it would be flagged as duplicating the seed pack).
    from simulator.bank.importers import write_pack

    out = write_pack(pack, tmp_path / "out" / "seed.yaml")
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "categories.yaml").write_text((ROOT / "corpus" / "categories.yaml").read_text())
    findings = validate([out], alone, embedder)
    assert not [f for f in findings if f.level == "error"], findings
    findings = validate([out], ROOT / "corpus", embedder)
    assert any("near-duplicate of seed-" in f.message for f in findings)


@pytest.mark.parametrize(
    "heading, clean",
    [
        ("1. Lifecycle & Process \uf8ffüìñ", "Lifecycle & Process"),
        ("2. Infrastructure & Scaling \uf8ffüèóÔ∏è", "Infrastructure & Scaling"),
        ("\uf8ffüéØ MLOps Engineering Cheat Sheet", "MLOps Engineering Cheat Sheet"),
        ("3. **Engineering** Scenarios 🧪", "Engineering Scenarios"),
    ],
)
def test_headings_lose_mojibake_and_emoji(heading: str, clean: str) -> None:
    assert clean_heading(heading) == clean


def test_csv_import_with_optional_columns(tmp_path: Path) -> None:
    src = tmp_path / "sheet.csv"
    src.write_text(
        "question,answer,category,difficulty,kind\n"
        '"What is a canary release?","A canary sends a small share of traffic to the new version first. '
        'Errors are compared with the stable version.",deployment,easy,concept\n'
        '"Why pin dependencies?","Pinned versions make training environments reproducible across machines.",,,\n'
    )
    pack = import_file(src, CATEGORIES, None)
    a, b = pack.questions
    assert a.category == "deployment" and a.difficulty == "easy" and len(a.key_points) == 2
    assert a.needs_review == ("key_points", "misconceptions")
    assert b.difficulty == "medium" and "difficulty" in b.needs_review and "category" in b.needs_review


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.md", b"", "is empty"),
        ("notes.md", b"# Notes\n\nJust some prose, no questions here.\n", "no questions found"),
        ("image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("cols.csv", b"prompt,solution\nWhat?,That.\n", "CSV needs the columns question,answer"),
        ("rows.csv", b"question,answer\n,\n", "no rows with both"),
        ("pack.docx", b"PK\x03\x04 word document", "unknown file type"),
        ("bad.csv", b"question,answer,kind\nWhat is X in MLOps?,X is a practice of doing.,essay\n", "field kind"),
    ],
)
def test_bad_files_fail_with_a_message_and_write_nothing(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    src = tmp_path / name
    src.write_bytes(content)
    out = tmp_path / "pack.yaml"
    result = CliRunner().invoke(app, ["import", str(src), "--out", str(out)])
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.stderr + result.stdout
    assert not out.exists() and not list(tmp_path.glob(".pack.yaml.*"))


def test_fifty_megabyte_file_is_refused_before_reading(tmp_path: Path) -> None:
    src = tmp_path / "huge.md"
    with src.open("wb") as f:
        f.truncate(50_000_000)
    with pytest.raises(PackError, match=r"50\.0 MB"):
        import_file(src, CATEGORIES, None)


@needs_seed
def test_cli_import_writes_a_loadable_pack_and_keeps_existing_files(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    out = tmp_path / "seed.yaml"
    runner = CliRunner()
    skipped = runner.invoke(app, ["import", str(SEED), "--out", str(out)])  # the bank has all 12 already
    assert skipped.exit_code == 1 and "Nothing to import" in skipped.stderr and not out.exists()
    result = runner.invoke(app, ["import", str(SEED), "--out", str(out), "--keep-duplicates"])
    assert result.exit_code == 0 and "Imported 12 questions" in result.stdout
    assert len(load_pack(out).questions) == 12
    again = runner.invoke(app, ["import", str(SEED), "--out", str(out), "--keep-duplicates"])
    assert again.exit_code == 1 and "--force" in again.stderr
