"""Rubrics load into models; a broken rubric is an error naming the file and the field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from simulator.bank import Corpus, Rubric, load_rubrics
from simulator.bank.files import load_rubric
from simulator.errors import PackError

from .helpers import ROOT

RUBRICS = ROOT / "rubrics"
FILES = sorted(RUBRICS.glob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_rubric_loads(path: Path) -> None:
    rubric = load_rubric(path)
    assert rubric.kind == path.stem
    assert abs(sum(c.weight for c in rubric.criteria) - 1.0) <= 0.01
    for c in rubric.criteria:
        assert set(c.levels) == set(range(rubric.scale.min, rubric.scale.max + 1))


def test_every_question_kind_in_the_corpus_has_a_rubric() -> None:
    rubrics = load_rubrics(RUBRICS)
    kinds = {q.kind for q in Corpus.load(ROOT / "corpus").questions}
    assert kinds <= set(rubrics)


def test_score_maps_the_scale_onto_0_to_10() -> None:
    rubric = load_rubrics(RUBRICS)["concept"]
    ids = [c.id for c in rubric.criteria]
    assert rubric.score(dict.fromkeys(ids, rubric.scale.max)) == pytest.approx(10.0)
    assert rubric.score(dict.fromkeys(ids, rubric.scale.min)) == pytest.approx(0.0)
    # Weighted: full marks on the heaviest criterion alone earn its weight's share.
    heaviest = max(rubric.criteria, key=lambda c: c.weight)
    only = {i: (rubric.scale.max if i == heaviest.id else rubric.scale.min) for i in ids}
    assert rubric.score(only) == pytest.approx(10 * heaviest.weight)


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _valid() -> dict:
    return yaml.safe_load((RUBRICS / "concept.yaml").read_text())


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.update(extra="x"), "field extra"),
        (lambda d: d["criteria"][0].update(weight=0.9), "add up to 1.0"),
        (lambda d: d["criteria"][1]["levels"].pop(4), "levels must be exactly"),
        (lambda d: d["criteria"][2].pop("description"), "criterion depth field description"),
        (lambda d: d["criteria"][3].update(id="Bad Id"), "criterion Bad Id field id"),
        (lambda d: d.update(kind="quiz"), "field kind"),
        (lambda d: d.update(scale={"min": 4, "max": 0}), "must be above min"),
    ],
    ids=["extra-key", "weights", "levels", "missing-field", "bad-id", "bad-kind", "scale"],
)
def test_broken_rubric_names_file_and_field(tmp_path: Path, mutate: Callable[[dict], None], expected: str) -> None:
    data = _valid()
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(PackError) as err:
        load_rubric(path)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_broken_yaml_and_missing_dir_say_what_to_do(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: concept\ncriteria: [\n")
    with pytest.raises(PackError) as err:
        load_rubric(bad)
    message = str(err.value)
    assert message.startswith(f"{bad}: line 3 broken YAML (") and message.endswith("; fix the syntax.")
    with pytest.raises(PackError, match="SIM_RUBRICS"):
        load_rubrics(tmp_path / "nowhere")


def test_two_rubrics_for_one_kind_are_refused(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text((RUBRICS / "concept.yaml").read_text())
    with pytest.raises(PackError, match="already has a rubric"):
        load_rubrics(tmp_path)


def test_rubric_is_frozen() -> None:
    rubric: Rubric = load_rubrics(RUBRICS)["design"]
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error type is an implementation detail
        rubric.title = "changed"  # type: ignore[misc]
