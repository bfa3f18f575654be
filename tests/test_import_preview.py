"""An import that knows the bank (duplicates found with the model, listed first, skipped by default;
warnings summed up) and search that lists only questions close to the query."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from simulator import Engine
from simulator.bank import Corpus, load_pack
from simulator.bank.uploads import add_pack, preview_import
from simulator.embeddings import MiniLMEmbedder
from simulator.errors import PackError
from simulator.sessions import search
from simulator.sessions.selection import RELEVANT

from .apptest import APP, TIMEOUT, run
from .helpers import ROOT, SEED, copy_corpus, invoke

needs_seed = pytest.mark.skipif(not SEED.exists(), reason=f"seed sheet not found at {SEED}")

# The seed sheet's questions as the importer reads them, and the bank question each one repeats.
REPEATS = {
    "What is the difference between Data Drift and Concept Drift?": "seed-data-vs-concept-drift",
    "Why use DVC over Git LFS?": "seed-dvc-vs-git-lfs",
    "Explain MLOps Level 1 vs. Level 2.": "seed-mlops-level-1-vs-2",
    "When would you use a Feature Store?": "seed-feature-store-when",
    "How do you handle a model that is too large for a single GPU?": "seed-model-too-large-for-gpu",
    'Explain "Shadow Deployment."': "seed-shadow-deployment",
    "Your model's accuracy dropped by 5% over the weekend. What do you check first?": "seed-accuracy-drop-weekend",
    "You have 100 models to deploy. How do you manage them?": "seed-manage-100-models",
    "Which tool would you pick for tracking, and why?": "seed-tool-experiment-tracking",
    "Which tool would you pick for orchestration, and why?": "seed-tool-orchestration",
    "Which tool would you pick for data versioning, and why?": "seed-tool-data-versioning",
    "Which tool would you pick for quick APIs, and why?": "seed-tool-quick-api",
}
NEW_PROMPT = "How would you use feature flags to release a new model safely?"
TRACKING = "Which tool would you pick for tracking, and why?"  # the bank has it as "...for experiment tracking..."
# One question the bank does not have and one it does, in other words than the bank's.
MIXED_SHEET = f"""# Release notes prep

## Deployment

- **Q: {NEW_PROMPT}**
    - *A:* A flag routes a share of requests to the new model without a redeploy. If a metric degrades you \
switch the flag off and traffic returns to the old model at once.
- **Q: {TRACKING}**
    - *A:* MLflow or Weights & Biases, to log parameters, metrics and artifacts of every run.
"""


@pytest.fixture(scope="module")
def app_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("import-app")
    return base / "home", copy_corpus(base / "corpus")


@pytest.fixture(autouse=True)
def app_env(app_dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The app over the seed pack alone, in one data dir for the module (its engine is built once)."""
    home, corpus = app_dirs
    monkeypatch.setenv("SIM_HOME", str(home))
    monkeypatch.setenv("SIM_CORPUS", str(corpus))
    yield
    from ui.runtime import reload_runtime

    for added in corpus.glob("*.yaml"):
        if added.name not in ("categories.yaml", "mlops-seed.yaml"):
            added.unlink()
            reload_runtime()


@pytest.fixture(scope="module")
def seed() -> Corpus:
    return Corpus.load(ROOT / "corpus" / "mlops-seed.yaml")


def bank_page() -> AppTest:
    at = run(AppTest.from_file(APP, default_timeout=TIMEOUT))
    return run(at.switch_page("ui/question_bank.py"))


def upload(name: str, data: bytes) -> AppTest:
    at = bank_page()
    at.file_uploader(key="pack_upload_0").upload(name, data)
    return run(at)


def plain(text: object) -> str:
    """Markdown as a reader sees it: backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", str(text)).replace("\u2060", "")


def table(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with this column (a table without a selection has no key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def confirm_buttons(at: AppTest) -> list[str]:
    return [str(b.label) for b in at.button if b.key == "import_confirm"]


# --- The import preview on the Question bank page ----------------------------------------------


@needs_seed
def test_the_seed_sheet_is_all_duplicates_named_by_their_bank_question_and_adds_nothing(seed: Corpus) -> None:
    at = upload(SEED.name, SEED.read_bytes())
    assert not at.error
    [warning] = at.warning
    assert plain(warning.value) == "12 questions repeat questions already in the bank:"
    dups = table(at, "repeats")
    assert dict(zip(dups["question"], dups["repeats"])) == {
        prompt: seed.get(qid).prompt for prompt, qid in REPEATS.items()
    }
    assert set(dups["from"]) == {seed.packs[0].title}
    assert at.checkbox(key="import_skip_duplicates").value is True
    assert confirm_buttons(at) == []
    assert "Nothing to add: every question of this file is already in the bank." in [i.value for i in at.info]
    assert not [e for e in at.expander if e.label.startswith("Details")]  # nothing to review: nothing is added

    at.checkbox(key="import_skip_duplicates").uncheck()
    run(at)
    assert confirm_buttons(at) == ["Add 12 questions to the bank"]


@needs_seed
def test_the_warnings_are_summed_up_in_words_and_their_details_collapsed() -> None:
    at = upload(SEED.name, SEED.read_bytes())
    at.checkbox(key="import_skip_duplicates").uncheck()
    run(at)
    [summary] = [plain(i.value) for i in at.info]
    assert summary.startswith(
        "12 questions need review: check their key points, misconceptions, category and difficulty, "
        "which the importer guessed or left empty. 12 questions differ from the bank's usual question, "
        "which has a reference answer of 60-250 words"
    )
    assert "needs_review" not in summary and "field" not in summary
    [details] = at.expander
    assert re.fullmatch(r"Details: \d+ warnings on 12 questions", details.label) and not details.proto.expanded
    shown = [plain(m.value) for m in details.markdown]
    assert "**Why use DVC over Git LFS?**" in shown
    assert any("- needs_review: guessed by an importer" in m for m in shown)


def test_a_sheet_with_one_new_question_and_one_duplicate_adds_the_new_one(
    app_dirs: tuple[Path, Path], seed: Corpus
) -> None:
    _, corpus = app_dirs
    at = upload("release.md", MIXED_SHEET.encode())
    assert plain(at.warning[0].value) == "1 question repeats a question already in the bank:"
    dups = table(at, "repeats")
    assert list(dups["repeats"]) == [seed.get("seed-tool-experiment-tracking").prompt]
    assert list(table(at, "id")["question"]) == [NEW_PROMPT]
    [summary] = [plain(i.value) for i in at.info]
    assert summary.startswith("1 question needs review:")
    at.button(key="import_confirm").click()
    run(at)
    added = load_pack(corpus / "release.yaml")
    assert [q.prompt for q in added.questions] == [NEW_PROMPT]
    assert any(
        plain(s.value).startswith("Added 1 question to") and plain(s.value).endswith("Skipped 1 duplicate.")
        for s in at.success
    )
    assert "13 questions in 2 packs" in " ".join(str(c.value) for c in at.caption)


# --- The preview and the CLI, in the core ---------------------------------------------------------


@needs_seed
def test_the_preview_finds_the_seed_duplicates_in_the_whole_bank_and_adds_nothing(
    embedder: MiniLMEmbedder, tmp_path: Path
) -> None:
    bank = Corpus.load(ROOT / "corpus")
    preview = preview_import(SEED.name, SEED.read_bytes(), bank, ROOT / "corpus", tmp_path, embedder)
    assert preview.ok, preview.errors
    assert {d.question.prompt: d.repeats.id for d in preview.duplicates} == REPEATS
    assert all(d.in_bank for d in preview.duplicates)
    assert preview.to_add() == () and len(preview.to_add(skip_duplicates=False)) == 12
    with pytest.raises(PackError, match="Nothing to add"):
        add_pack(preview, tmp_path)
    # Without the model there is no duplicate check (the importer and validator need it).
    assert preview_import(SEED.name, SEED.read_bytes(), bank, ROOT / "corpus", tmp_path).duplicates == ()


def test_of_two_copies_of_a_bank_question_the_first_repeats_the_bank_and_the_second_the_first(
    embedder: MiniLMEmbedder, tmp_path: Path
) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    twice = (
        MIXED_SHEET
        + "- **Q: Which tool would you pick for tracking, and why?**\n    - *A:* MLflow, for its registry.\n"
    )
    preview = preview_import("twice.md", twice.encode(), Corpus.load(corpus), corpus, tmp_path / "work", embedder)
    new, first, second = preview.pack.questions
    by_id = {d.question.id: d for d in preview.duplicates}
    assert set(by_id) == {first.id, second.id}
    assert by_id[first.id].in_bank and by_id[first.id].repeats.id == "seed-tool-experiment-tracking"
    assert not by_id[second.id].in_bank and by_id[second.id].repeats.id == first.id
    assert preview.to_add() == (new,)


def test_cli_import_skips_what_the_bank_asks_unless_told_to_keep_it(seed_only: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "release.md"
    sheet.write_text(MIXED_SHEET)
    code, out, err = invoke("import", str(sheet), "--out", str(tmp_path / "release.yaml"))
    assert code == 0, err
    assert "Skipped 1 question(s) already asked:" in out
    assert "“Which tool would you pick for tracking, and why?” repeats “Which tool would you pick for experiment" in out
    assert "1 question needs review: check their key points" in out
    assert [q.prompt for q in load_pack(tmp_path / "release.yaml").questions] == [NEW_PROMPT]
    code, out, _ = invoke("import", str(sheet), "--out", str(tmp_path / "both.yaml"), "--keep-duplicates")
    assert code == 0 and "Kept 1 question(s) already asked:" in out
    assert len(load_pack(tmp_path / "both.yaml").questions) == 2


# --- Search by meaning: a relevance floor -------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("testing a new model in shadow mode", "seed-shadow-deployment"),
        ("canary release", "deployment-canary-vs-blue-green"),
        ("model too big for one GPU", "seed-model-too-large-for-gpu"),
        ("versioning large datasets next to code", "seed-tool-data-versioning"),
    ],
)
def test_a_relevant_search_lists_only_questions_above_the_floor(engine: Engine, query: str, expected: str) -> None:
    hits = search(engine.store, engine.corpus, query, n=25)
    assert hits and all(h.similarity >= RELEVANT for h in hits)
    assert expected in [h.question.id for h in hits[:5]]
    assert len(hits) < 25  # a cut-off, not the 25 nearest whatever they are


@pytest.mark.parametrize("query", ["chocolate cake recipe", "qwertyuiop asdfghjkl", "best beaches in Portugal"])
def test_an_unrelated_search_lists_nothing(engine: Engine, query: str) -> None:
    assert search(engine.store, engine.corpus, query, n=25) == []


def test_the_bank_page_says_when_no_question_is_close() -> None:
    at = bank_page()
    at.text_input(key="bank_query").input("chocolate cake recipe")
    run(at)
    assert [plain(i.value) for i in at.info] == ["No question is close to “chocolate cake recipe”; try other words."]
    assert not [d for d in at.dataframe if d.key == "bank_table"]
    at.text_input(key="bank_query").input("testing a new model in shadow mode")
    run(at)
    matches = [int(m.rstrip("%")) for m in at.dataframe(key="bank_table").value["match"]]
    assert matches and len(matches) < 12 and min(matches) >= round(100 * RELEVANT)
