"""The Job plan page in Chromium: a bad file refused in one sentence, a Word résumé and a pasted job
description set against each other, and a mock interview started from the plan."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ..helpers import ROOT
from .helpers import Browser, Server, idle

pytestmark = pytest.mark.e2e

PAIR = yaml.safe_load((ROOT / "tests" / "data" / "plans" / "01-platform-fintech.yaml").read_text())
# A requirement with markup in it, which must stay text: an image and a link no test machine serves.
INJECTED = "- Experience with <img src=http://203.0.113.9/x.png> and [Rust](http://203.0.113.9/z)\n"


# A story of the résumé's second achievement line (the EKS deployment), told in STAR order.
STORY = (
    "We had latency problems with our prediction API during peak hours. I was asked to move it to Kubernetes. "
    "I put the FastAPI service on EKS, added a horizontal pod autoscaler on CPU and used Argo Rollouts for "
    "canaries. Peak latency dropped from 900 ms to 120 ms and bad releases were rolled back automatically twice."
)


def resume_docx(path: Path) -> Path:
    """The labelled pair's résumé as a Word file, headings and bullets as a person writes them."""
    import docx

    document = docx.Document()
    for line in PAIR["resume"].splitlines():
        if line in ("Experience", "Skills"):
            document.add_heading(line, level=1)
        elif line.startswith("- "):
            document.add_paragraph(line[2:], style="List Bullet")
        elif line.strip():
            document.add_paragraph(line)
    document.save(str(path))
    return path


def upload(page: Any, path: Path) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    # Drawn by the page once the file has reached the server, not when the browser lists it.
    page.get_by_text(f"Résumé: {path.name}, read when you build the plan.").wait_for(timeout=30_000)
    idle(page)


def test_plan_from_a_resume_and_a_job_description(
    server: Server, browser: Browser, shots: Path, tmp_path: Path
) -> None:
    page: Any = browser.context.new_page()  # type: ignore[attr-defined]
    page.goto(f"{server.url}/plan")
    page.get_by_role("heading", name="Job plan").wait_for(timeout=60_000)
    idle(page)
    page.get_by_label("The job description").fill(
        PAIR["job"].replace("- Experience with GPU", INJECTED + "- Experience with GPU")
    )

    # A recipe is not a résumé: one sentence, no traceback, no plan.
    recipe = tmp_path / "pie.txt"
    recipe.write_text("Apple pie\n\nIngredients\n- 6 apples\n- 200 g flour\n\nBake for 45 minutes at 190 C.\n")
    upload(page, recipe)
    page.get_by_role("button", name="Build the plan").click()
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="does not look like a résumé")
    alert.wait_for(timeout=120_000)
    idle(page)
    assert "Traceback" not in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Start a mock interview from this plan").count() == 0

    # The résumé as a Word file: the plan names what it covers, with the evidence, and the gaps.
    upload(page, resume_docx(tmp_path / "maya.docx"))
    page.get_by_role("button", name="Build the plan").click()
    page.get_by_role("heading", name=re.compile(r"^Covered by your résumé \(\d of 9\)")).wait_for(timeout=120_000)
    idle(page)
    main = page.locator("main").inner_text()
    assert "does not look like a résumé" not in main
    assert "Run model serving on Kubernetes with autoscaling and canary releases" in main
    assert "Evidence from your résumé: Deployed models behind a FastAPI service on EKS" in main
    gaps = page.get_by_role("heading", name=re.compile(r"^Gaps \(\d\)"))
    assert gaps.count() == 1
    assert "Experience with a feature store such as Feast or Tecton" in main
    assert "For the gap: Experience with a feature store such as Feast or Tecton" in main
    assert "Tell me about the time you built the CI/CD pipeline" in main
    assert "(from your résumé)" in main
    shown = main.replace("\u2060", "")  # the invisible word joiners that keep the address from turning into a link
    assert "Experience with <img src=http://203.0.113.9/x.png> and [Rust](http://203.0.113.9/z)" in shown, [
        line for line in shown.splitlines() if "Rust" in line
    ]
    assert page.locator("main img").count() == 0
    assert page.locator('main a[href*="203.0.113.9"]').count() == 0
    page.screenshot(path=str(shots / "job-plan.png"), full_page=True)

    # A résumé prompt answered: STAR feedback on the story, and no score.
    told = page.locator('[data-testid="stExpander"]').filter(has_text="Tell this story").nth(1)  # the EKS line
    told.get_by_text("Tell this story and get STAR feedback").click()
    told.get_by_label("Your story").fill(STORY)
    told.get_by_role("button", name="Get STAR feedback").click()
    star = page.locator('[class*="st-key-star-plan-1"]')
    star.wait_for(timeout=60_000)
    idle(page)
    assert "Result measured: from 900 ms to 120 ms" in star.inner_text(), star.inner_text()
    assert page.get_by_text("Your story does not seem to be about").count() == 0
    assert page.locator('[data-testid="stMetric"]').count() == 0

    # Start a mock interview from the plan: the mock interview page opens with the plan's questions.
    offered = re.search(r"The mock interview is offered the (\d+) bank questions? above", main)
    assert offered, main
    page.get_by_role("button", name="Start a mock interview from this plan").click()
    page.wait_for_url(re.compile(r"/mock-interview$"), timeout=60_000)
    page.get_by_role("heading", name=re.compile("^Mock interview")).first.wait_for(timeout=60_000)
    idle(page)
    n = int(offered.group(1))
    page.get_by_text(f"From your job plan: {n} question{'s' if n != 1 else ''}").wait_for()
    assert "Traceback" not in page.locator("main").inner_text()
    assert browser.outside_requests() == []
