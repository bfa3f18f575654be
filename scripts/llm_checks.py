"""Measure the LLM judge's checks: qualification, and what the output checks drop over 20 answers.

    .venv/bin/python scripts/llm_checks.py --base-url http://127.0.0.1:8088/v1 --model SmolLM2-135M-Instruct
    .venv/bin/python scripts/llm_checks.py --scripted   # a capable judge scripted through httpx2.MockTransport

Grades the 12 ladder answers of tests/data/ladders.yaml (excellent, partial, wrong) and the reference
answers of 8 more seed questions, over the seed pack in a temporary SIM_HOME, after qualifying the
model; prints the qualification and, per output check, how many replies it caught (docs/ACCURACY.md).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx2
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator import Engine, Settings  # noqa: E402
from simulator.bank import Corpus, Question  # noqa: E402
from simulator.config import LLMSettings, quiet_third_parties  # noqa: E402
from simulator.grading.llm import LLMJudge  # noqa: E402
from simulator.grading.llm_checks import (  # noqa: E402
    ALL_ZERO,
    ECHOED_FEEDBACK,
    ECHOED_FOLLOW_UP,
    ECHOED_OUTLINE,
    NO_REASONS,
    NOT_A_QUESTION,
    SAME_REASONS,
)
from simulator.openai_client import make_client  # noqa: E402

SCRIPTED = LLMSettings(base_url="http://llm.test/v1", model="scripted-capable")
CHECKS = {
    "feedback repeats the answer": ECHOED_FEEDBACK,
    "outline repeats the answer": ECHOED_OUTLINE,
    "follow-up repeats the answer": ECHOED_FOLLOW_UP,
    "follow-up is not a question": NOT_A_QUESTION,
    "no reasons": NO_REASONS,
    "the same reason for every criterion": SAME_REASONS,
    "all criteria 0 against good evidence": ALL_ZERO,
}
ECHOES = (ECHOED_FEEDBACK, ECHOED_OUTLINE, ECHOED_FOLLOW_UP)


def check_name(issue: str) -> str:
    return next(name for name, text in CHECKS.items() if issue.startswith(text.split("{")[0]))


def answers(corpus: Corpus) -> list[tuple[Question, str]]:
    """20 answers: the ladders' excellent, partial and wrong rungs, then 8 more seed questions' references."""
    ladders = yaml.safe_load((ROOT / "tests" / "data" / "ladders.yaml").read_text())
    rungs = ("excellent", "partial", "wrong")
    pairs = [(corpus.get(r["question_id"]), r[rung].strip()) for r in ladders for rung in rungs]
    used = {r["question_id"] for r in ladders}
    others = [q for q in corpus.questions if q.id not in used][:8]
    return pairs + [(q, q.reference_answer) for q in others]


def capable_reply(body: dict[str, Any]) -> httpx2.Response:
    """What a capable judge writes: criterion scores that follow the key points found, a reason per
    criterion, advice and an outline in its own words, and a follow-up question."""
    prompt = body["messages"][-1]["content"]
    # It reads the answer as the evidence lines suggest: a point found counts 1, a point not found
    # counts its closest similarity (a partial answer comes near its points, a wrong one does not).
    points = [
        1.0 if f else float(c)
        for f, c in re.findall(r"^\d+\. (?:(found) in |not found \(closest (-?[\d.]+))", prompt, re.M)
    ]
    found = sum(p == 1.0 for p in points)
    total = len(points)
    score = min(4, round(6 * sum(points) / max(1, total)))  # generous to near misses, as a reader is
    if "ignore all previous instructions" in prompt.lower().split("candidate answer")[-1]:
        score = 0  # it reads the order to the grader for what it is
    ids = body["response_format"]["json_schema"]["schema"]["$defs"]["CriterionScores"]["required"]
    verdict = {
        "criteria": {
            c: {"justification": f"On {c}: {found} of {total} key points are covered.", "quote": "", "score": score}
            for c in ids
        },
        "missed_key_points": [],
        "advice": ["Name a concrete tool and the metric you would watch.", "Close with a production example."],
        "outline": ["Define the term", "Explain why it matters in production", "Give an example and a fix"],
        "follow_up": "How would you notice this in production before users do?",
    }
    message = {"role": "assistant", "content": json.dumps(verdict)}
    return httpx2.Response(
        200,
        json={
            "id": "scripted",
            "object": "chat.completion",
            "created": 0,
            "model": SCRIPTED.model,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        },
    )


def scripted_judge(engine: Engine) -> LLMJudge:
    """The LLM judge over `capable_reply`, through the real openai client."""
    http = httpx2.Client(transport=httpx2.MockTransport(lambda r: capable_reply(json.loads(r.content))))
    client = make_client(SCRIPTED, read_timeout=5.0, http_client=http)
    judge = engine.llm_judge(SCRIPTED)
    judge._client = client  # the engine's judge (qualification, advisory flag) over the scripted server
    return judge


def measure(engine: Engine, llm: LLMSettings) -> dict[str, Any]:
    """Qualify, then grade the 20 answers through the engine; counts per check."""
    qualification = engine.qualify(llm)
    caught: Counter[str] = Counter()
    rows = []
    for question, answer in answers(engine.corpus):
        j = engine.grade(question, answer, llm)
        caught.update(check_name(issue) for issue in j.llm_issues)
        rows.append({
            "question": question.id, "evidence": j.evidence_score, "llm": j.llm_score, "score": j.score,
            "advisory": j.advisory, "issues": len(j.llm_issues), "echo": any(i in ECHOES for i in j.llm_issues),
            "fallback": j.fallback_reason,
        })  # fmt: skip
    graded = [r for r in rows if r["llm"] is not None]
    return {
        "qualification": qualification.verdict(),
        "scores": qualification.scores,
        "answers": len(rows),
        "graded_by_llm": len(graded),
        "replies_with_an_issue": sum(r["issues"] > 0 for r in graded),
        "replies_with_an_echo": sum(r["echo"] for r in graded),
        "advisory": sum(r["advisory"] for r in graded),
        "score_is_evidence": sum(r["score"] == r["evidence"] for r in graded),
        "caught": dict(caught.most_common()),
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8088/v1")
    parser.add_argument("--model", default="SmolLM2-135M-Instruct")
    parser.add_argument("--scripted", action="store_true", help="a capable judge scripted in-process")
    args = parser.parse_args()
    quiet_third_parties()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for name in ("categories.yaml", "mlops-seed.yaml"):
            shutil.copy(ROOT / "corpus" / name, corpus / name)
        engine = Engine(Settings().with_(home=Path(tmp) / "home", corpus_dir=corpus))
        engine.ingest()
        if args.scripted:
            scripted_judge(engine)
            llm = SCRIPTED
        else:
            llm = LLMSettings(base_url=args.base_url, model=args.model)
            engine.llm_judge(llm).read_timeout = 600.0  # a busy 2-core machine can take minutes per reply
        result = measure(engine, llm)
    for row in result.pop("rows"):
        print(json.dumps(row))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
