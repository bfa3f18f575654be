"""Résumés read from real files the tests write: PDF (reportlab), DOCX (python-docx), Markdown, text;
and the files that must be refused with one clear sentence."""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path

import pytest

from simulator.errors import InputError
from simulator.prep import MAX_RESUME_BYTES, load_resume, read_resume

RESUME = """Maya Ortiz
maya.ortiz@example.com · Lisbon

Experience
Machine Learning Engineer, Parcelwise (2020 - present)
- Built the CI/CD pipeline that retrains and ships our delivery-time models weekly with GitHub Actions
- Deployed models behind a FastAPI service on EKS with horizontal pod autoscaling
- Added Evidently reports that alert on input distribution shift and falling accuracy

Data Engineer, Tallybook (2017 - 2020)
- Migrated batch ETL jobs from cron scripts to Airflow

Skills
Python, SQL, Docker, Kubernetes, MLflow, Airflow, Kafka

Education
MSc Computer Science, University of Porto (2017)
"""

RECIPE = """Grandma's apple pie

Ingredients
- 6 apples, peeled and sliced
- 200 g flour
- 100 g butter, cold
- 1 teaspoon cinnamon

Method
Preheat the oven to 190 C. Rub the butter into the flour until it looks like breadcrumbs.
Add the apples and cinnamon, cover with the pastry and bake for 45 minutes. Serve warm.
"""


def resume_pdf(text: str = RESUME) -> bytes:
    """A one-page PDF with a text layer, as a word processor exports it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    y = 800
    for line in text.splitlines():
        pdf.drawString(50, y, line.replace("·", "-"))
        y -= 16
    pdf.save()
    return buf.getvalue()


def scanned_pdf() -> bytes:
    """A PDF whose page is a picture of the résumé: no text layer, as a scanner makes it."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(RESUME.splitlines()):
        draw.text((60, 60 + 30 * i), line.replace("·", "-"), fill=0)
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.drawImage(ImageReader(image), 0, 0, width=A4[0], height=A4[1])
    pdf.save()
    return buf.getvalue()


def encrypted_pdf(owner_only: bool = False) -> bytes:
    """The résumé PDF locked with a password (or, owner_only, restricted but readable without one)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(resume_pdf())))
    writer.encrypt(user_password="" if owner_only else "s3cret", owner_password="owner", algorithm="AES-256")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def resume_docx() -> bytes:
    """A Word résumé with headings, bullets and the skills in a table (as two-column templates do)."""
    import docx

    document = docx.Document()
    document.add_heading("Sam Okafor", level=0)
    document.add_heading("Experience", level=1)
    document.add_paragraph("Senior ML Engineer, Quillmate (2021 - present)")
    for bullet in (
        "Built a retrieval-augmented search over 3M articles with embeddings stored in Qdrant",
        "Designed an offline evaluation suite of 1,200 graded prompts that runs in CI",
        "Cut inference cost per request by 40% with INT8 quantisation and dynamic batching",
    ):
        document.add_paragraph(bullet, style="List Bullet")
    document.add_heading("Skills", level=1)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Python, PyTorch, Hugging Face"
    table.rows[0].cells[1].text = "Qdrant, Docker, GCP"
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def damaged_docx() -> bytes:
    """A real résumé .docx whose document.xml is cut in half: a zip that opens, XML that does not."""
    source, out = zipfile.ZipFile(io.BytesIO(resume_docx())), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, data[: len(data) // 2] if item.filename == "word/document.xml" else data)
    return out.getvalue()


def test_pdf_resume_gives_its_experience_and_skills_lines() -> None:
    resume = read_resume("maya.pdf", resume_pdf())
    experience = [line.text for line in resume.experience]
    assert any("CI/CD pipeline that retrains" in t for t in experience)
    assert any("Migrated batch ETL jobs" in t for t in experience)
    assert [line.text for line in resume.skills] == ["Python, SQL, Docker, Kubernetes, MLflow, Airflow, Kafka"]
    # The name and contact line sit before any heading; education is not experience.
    assert not any("maya.ortiz" in line.text or "University" in line.text for line in resume.experience)


def test_docx_resume_reads_paragraphs_and_tables() -> None:
    resume = read_resume("sam.docx", resume_docx())
    assert any(line.text.startswith("Cut inference cost per request") for line in resume.experience)
    assert {line.text for line in resume.skills} == {"Python, PyTorch, Hugging Face", "Qdrant, Docker, GCP"}
    assert sum(line.achievement for line in resume.experience) == 3


@pytest.mark.parametrize("name", ["maya.md", "maya.txt"])
def test_markdown_and_text(name: str) -> None:
    text = RESUME.replace("Experience\n", "## Experience\n").replace("Skills\n", "**Skills**\n")
    resume = read_resume(name, (text if name.endswith(".md") else RESUME).encode())
    assert any("Evidently reports" in line.text for line in resume.experience)
    assert resume.skills[0].text.startswith("Python, SQL")


def test_owner_password_pdf_is_read() -> None:
    """Restricted for printing only: it opens without a password, so it is read."""
    assert read_resume("locked.pdf", encrypted_pdf(owner_only=True)).experience


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("scan.pdf", scanned_pdf, "looks like a scanned résumé"),
        ("locked.pdf", encrypted_pdf, "is password-protected"),
        ("recipe.txt", lambda: RECIPE.encode(), "does not look like a résumé"),
        ("recipe.pdf", lambda: resume_pdf(RECIPE * 2), "does not look like a résumé"),
        ("junk.txt", lambda: os.urandom(4000), "is a binary file"),
        ("junk.pdf", lambda: b"%PDF-1.7\n" + os.urandom(3000), "is not a readable PDF"),
        ("junk.docx", lambda: os.urandom(3000), "is not a readable Word file"),
        ("cut.docx", lambda: damaged_docx(), "is not a readable Word file"),
        ("photo.png", lambda: b"\x89PNG\r\n", "is not a file type the résumé reader knows"),
        ("resume", lambda: RESUME.encode(), "no extension"),
        ("empty.txt", lambda: b"", "is empty"),
    ],
)
def test_bad_files_get_one_sentence(name: str, data, says: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as err:
        read_resume(name, data())
    message = str(err.value)
    assert says in message
    assert "\n" not in message and "Traceback" not in message


def test_a_50_mb_file_is_refused_by_its_size_before_it_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as f:  # sparse: 50 MB on paper, nothing written
        f.truncate(50 * 1024 * 1024)
    started = time.perf_counter()
    with pytest.raises(InputError, match=r"huge.pdf is 50 MB; a résumé is read up to 5 MB"):
        load_resume(huge)
    assert time.perf_counter() - started < 0.5  # not parsed: a 50 MB parse takes far longer
    with pytest.raises(InputError, match="is 50 MB"):  # the upload path checks the bytes' length first too
        read_resume("huge.txt", b" " * (MAX_RESUME_BYTES * 10))


def test_load_resume_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "maya.pdf"
    path.write_bytes(resume_pdf())
    assert load_resume(path).name == "maya.pdf"
    with pytest.raises(InputError, match="cannot be read"):
        load_resume(tmp_path / "missing.pdf")
