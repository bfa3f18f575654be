"""The gap plan on a fixed résumé and job description, with the real model and a real Chroma store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from simulator import Engine, Settings
from simulator.embeddings import MiniLMEmbedder
from simulator.errors import InputError
from simulator.prep import GapPlan, gap_plan, job_requirements, parse_resume, story_feedback

from .helpers import ROOT, copy_corpus, invoke

PAIR = yaml.safe_load((ROOT / "tests" / "data" / "plans" / "01-platform-fintech.yaml").read_text())


@pytest.fixture(scope="module")
def seed_engine(embedder: MiniLMEmbedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The seed pack indexed in a Chroma store of its own (12 questions: fast to ingest)."""
    base = tmp_path_factory.mktemp("plan")
    engine = Engine(Settings().with_(home=base / "home", corpus_dir=copy_corpus(base / "corpus")), embedder)
    engine.ingest()
    yield engine


@pytest.fixture(scope="module")
def plan(seed_engine: Engine) -> GapPlan:
    resume = parse_resume("maya.md", PAIR["resume"])
    return gap_plan(seed_engine.embedder, seed_engine.store, seed_engine.corpus, resume, PAIR["job"])


def test_requirements_are_the_postings_bullets_without_the_company_and_the_offer() -> None:
    wanted = job_requirements(PAIR["job"])
    assert sorted(wanted) == sorted(PAIR["covered"] + PAIR["not_covered"])
    assert wanted[:2] == [
        "Build and own the training and deployment pipelines for our fraud models",
        "Run model serving on Kubernetes with autoscaling and canary releases",
    ]
    assert not any("Ledgerline moves money" in w or "Equity" in w for w in wanted)


def test_prose_postings_keep_the_sentences_that_ask_for_something() -> None:
    text = (
        "Acme builds delivery robots. We are hiring an ML engineer. You have experience deploying models "
        "on Kubernetes. You know how to monitor data drift in production. We offer a gym membership."
    )
    assert job_requirements(text) == [
        "You have experience deploying models on Kubernetes.",
        "You know how to monitor data drift in production.",
    ]


def test_covered_requirements_show_the_resume_line_as_evidence(plan: GapPlan) -> None:
    covered = {r.text: r.evidence for r in plan.covered}
    assert covered["Run model serving on Kubernetes with autoscaling and canary releases"] == (
        "Deployed models behind a FastAPI service on EKS with horizontal pod autoscaling and canary rollouts "
        "via Argo Rollouts"
    )
    assert "Kafka consumers" in str(covered["Familiarity with streaming data (Kafka or Kinesis)"])
    assert "4+ years of Python in production" in covered


def test_requirements_the_resume_does_not_show_are_gaps(plan: GapPlan) -> None:
    gaps = {r.text for r in plan.gaps}
    assert "Experience with a feature store such as Feast or Tecton" in gaps
    assert "Experience with GPU inference optimisation using TensorRT" in gaps
    assert all(r.evidence is None for r in plan.gaps)
    assert len(plan.requirements) == 8


def test_questions_on_the_gaps_come_first(plan: GapPlan) -> None:
    flags = [p.gap for p in plan.questions]
    assert flags and flags[0] and flags == sorted(flags, reverse=True)  # no gap question after a covered one
    first = plan.questions[0]
    assert first.question.id == "seed-feature-store-when"
    assert first.requirement == "Experience with a feature store such as Feast or Tecton"
    assert len(plan.question_ids) == len(set(plan.question_ids))


def test_behavioral_prompts_are_anchored_on_resume_lines(plan: GapPlan) -> None:
    prompts = plan.prompts
    assert len(prompts) == 3
    first = prompts[0]
    assert first.text == (
        "Tell me about the time you built the CI/CD pipeline that retrains and ships your team's delivery-time "
        "models weekly with GitHub Actions and MLflow (from your résumé)."
    )
    assert first.anchor.startswith("Built the CI/CD pipeline")


def test_plan_as_json_and_text(plan: GapPlan) -> None:
    data = json.loads(plan.to_json())
    assert {r["requirement"] for r in data["gaps"]} == {r.text for r in plan.gaps}
    assert data["questions"][0]["gap"] is True
    assert data["behavioral"][0]["from_resume"].startswith("Built the CI/CD pipeline")
    text = plan.to_text()
    assert "✗ Experience with a feature store such as Feast or Tecton" in text
    assert "evidence: Maintained Kafka consumers" in text


def test_a_posting_with_no_requirement_is_refused(seed_engine: Engine) -> None:
    resume = parse_resume("maya.md", PAIR["resume"])
    with pytest.raises(InputError, match="No requirement was found"):
        gap_plan(seed_engine.embedder, seed_engine.store, seed_engine.corpus, resume, "About us\n\nBenefits")


def test_cli_plan_prints_the_same_plan(seed_only: Path, tmp_path: Path, plan: GapPlan) -> None:
    resume, job = tmp_path / "maya.md", tmp_path / "job.txt"
    resume.write_text(PAIR["resume"])
    job.write_text(PAIR["job"])
    code, out, err = invoke("plan", "--resume", str(resume), "--job", str(job), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [r["requirement"] for r in data["gaps"]] == [r.text for r in plan.gaps]
    assert [q["id"] for q in data["questions"]] == plan.question_ids
    code, out, _ = invoke("plan", "--resume", str(resume), "--job", str(job))
    assert code == 0 and out.startswith("Covered by your résumé (")


def test_cli_plan_refuses_a_bad_resume_in_one_line(tmp_path: Path) -> None:
    recipe, job = tmp_path / "pie.txt", tmp_path / "job.txt"
    recipe.write_text("Apple pie\n\nIngredients\n- 6 apples\n- flour\n\nBake for 45 minutes.")
    job.write_text(PAIR["job"])
    code, _, err = invoke("plan", "--resume", str(recipe), "--job", str(job))
    assert code == 1
    assert err.strip() == (
        "Error: pie.txt does not look like a résumé: no experience or skills section and no dated roles "
        "were found. Upload the résumé itself (PDF, DOCX, Markdown or text)."
    )


def test_a_story_of_the_resume_line_gets_star_feedback_and_no_score(plan: GapPlan, seed_engine: Engine) -> None:
    story = (
        "We had latency problems with our prediction API during peak hours. I was asked to move it to Kubernetes. "
        "I put the FastAPI service on EKS, added a horizontal pod autoscaler on CPU and used Argo Rollouts for "
        "canaries. Peak latency dropped from 900 ms to 120 ms and bad releases were rolled back automatically twice."
    )
    eks = next(p for p in plan.prompts if "EKS" in p.anchor)
    told = story_feedback(seed_engine.embedder, eks, story)
    assert told.about_the_line and told.star.measured and told.star.measure == "from 900 ms to 120 ms"
    assert all(told.star.part(part).found for part in ("situation", "task", "action", "result"))
    recipe = "Preheat the oven to 200 degrees. Mix the flour, butter and sugar, then bake the cake for forty minutes."
    assert not story_feedback(seed_engine.embedder, eks, recipe).about_the_line
    other = next(p for p in plan.prompts if "CI/CD" in p.anchor)
    assert not story_feedback(seed_engine.embedder, other, story).about_the_line  # a story of another line
    with pytest.raises(InputError, match="Tell the story first"):
        story_feedback(seed_engine.embedder, eks, "   ")
