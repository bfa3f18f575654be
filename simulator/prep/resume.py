"""A résumé read from PDF, Word, Markdown or plain text: its experience and skills lines.

Every file that cannot be used gets one InputError saying why and what to do instead; nothing
read here is written anywhere.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import InputError
from ..text import BULLET, MARKDOWN_MARKS, clean, words

# A résumé of a few pages is well under a megabyte even as a PDF with a photo; 5 MB leaves room
# for a designed one and refuses a 50 MB upload before any parser sees it.
MAX_RESUME_BYTES = 5 * 1024 * 1024
SUFFIXES = (".pdf", ".docx", ".md", ".markdown", ".txt")
# Fewer words than this on every page: an image of a résumé (a scan), not text.
MIN_TEXT_WORDS = 30

Section = Literal["experience", "skills", "summary", "other"]

# Headings as résumés write them; the first word that matches names the section.
_HEADINGS: dict[str, Section] = {
    "experience": "experience",
    "employment": "experience",
    "work history": "experience",
    "career": "experience",
    "projects": "experience",
    "achievements": "experience",
    "skills": "skills",
    "technologies": "skills",
    "tech stack": "skills",
    "tools": "skills",
    "competencies": "skills",
    "summary": "summary",
    "profile": "summary",
    "about me": "summary",
    "education": "other",
    "certifications": "other",
    "languages": "other",
    "publications": "other",
    "interests": "other",
    "contact": "other",
    "references": "other",
}
_HEADING = re.compile(r"^\s*(?:#{1,6}\s*)?([A-Za-z][A-Za-z &/-]{1,40}?)\s*:?\s*$")
_YEAR = re.compile(r"\b(?:19[89]\d|20[0-4]\d)\b|\bpresent\b", re.I)
# Résumé bullets open on a past-tense verb ("Built", "Led"); these irregular ones are common.
# fmt: off
_IRREGULAR = frozenset([
    "built", "led", "ran", "drove", "wrote", "cut", "made", "grew", "took", "brought", "set", "won", "held",
    "met", "taught", "kept", "sped", "shipped", "owned", "rebuilt", "rewrote", "oversaw", "spun",
])
# fmt: on


@dataclass(frozen=True)
class ResumeLine:
    """One line of the résumé and the section it sits in."""

    text: str
    section: Section

    @property
    def achievement(self) -> bool:
        """Whether the line tells of something the candidate did ("Built ...", "Migrated ...")."""
        first = words(self.text)[:1]
        if not first or len(words(self.text)) < 4:
            return False
        verb = first[0].lower()
        return verb in _IRREGULAR or (verb.endswith("ed") and len(verb) > 4)


@dataclass(frozen=True)
class Resume:
    """The lines of a résumé that can show evidence for a job's requirements."""

    name: str
    lines: tuple[ResumeLine, ...]

    @property
    def experience(self) -> tuple[ResumeLine, ...]:
        return tuple(line for line in self.lines if line.section == "experience")

    @property
    def skills(self) -> tuple[ResumeLine, ...]:
        return tuple(line for line in self.lines if line.section == "skills")


def load_resume(path: Path) -> Resume:
    """Read a résumé file; its size is checked before a byte of it is read."""
    _check_suffix(path.name)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"The résumé {path} cannot be read ({exc.strerror or exc}).") from None
    _check_size(path.name, size)
    return read_resume(path.name, path.read_bytes())


def read_resume(name: str, data: bytes) -> Resume:
    """A résumé from an uploaded file's name and bytes: PDF, DOCX, Markdown or plain text."""
    suffix = _check_suffix(name)
    _check_size(name, len(data))
    if suffix == ".pdf":
        text = _pdf_text(name, data)
    elif suffix == ".docx":
        text = _docx_text(name, data)
    else:
        text = _plain_text(name, data)
    return parse_resume(name, text)


def parse_resume(name: str, text: str) -> Resume:
    """The experience, skills and summary lines of a résumé's text; InputError if it is not one."""
    lines = _lines(clean(text))
    if not _looks_like_resume(text, lines):
        raise InputError(
            f"{name} does not look like a résumé: no experience or skills section and no dated roles were found. "
            "Upload the résumé itself (PDF, DOCX, Markdown or text)."
        )
    return Resume(name=name, lines=tuple(lines))


def _check_suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            f"{name} is not a file type the résumé reader knows ({suffix or 'no extension'}): "
            "upload a PDF, a Word file (.docx), Markdown (.md) or plain text (.txt)."
        )
    return suffix


def _check_size(name: str, size: int) -> None:
    if size > MAX_RESUME_BYTES:
        raise InputError(
            f"{name} is {size / 1024 / 1024:.0f} MB; a résumé is read up to {MAX_RESUME_BYTES // 1024 // 1024} MB. "
            "Upload a smaller file (export the résumé without images, or paste it as text)."
        )
    if size == 0:
        raise InputError(f"{name} is empty: upload the résumé itself.")


def _pdf_text(name: str, data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        # Owner-password PDFs (printing or copying restricted) open with an empty password.
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(
                f"{name} is password-protected: save an unprotected copy of the résumé (or paste it as text)."
            )
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except InputError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, NotImplementedError) as exc:
        if "crypt" in str(exc).lower() or "password" in str(exc).lower():
            raise InputError(
                f"{name} is password-protected: save an unprotected copy of the résumé (or paste it as text)."
            ) from None
        raise InputError(f"{name} is not a readable PDF ({type(exc).__name__}): export it again as PDF.") from None
    if len(words(text)) < MIN_TEXT_WORDS:
        raise InputError(
            f"{name} has no text to read, only images: it looks like a scanned résumé. "
            "Export the résumé from the program that wrote it (PDF with text, DOCX) or paste it as text."
        )
    return text


def _docx_text(name: str, data: bytes) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import LxmlError

    try:
        document = docx.Document(io.BytesIO(data))
    # A damaged document.xml is an lxml XMLSyntaxError (a SyntaxError too).
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, LxmlError, SyntaxError) as exc:
        raise InputError(
            f"{name} is not a readable Word file ({type(exc).__name__}): save it again as .docx."
        ) from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:  # two-column résumé templates keep their text in tables
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)


def _plain_text(name: str, data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise InputError(f"{name} is a binary file, not text: upload the résumé as PDF, DOCX, Markdown or text.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text[:4096])
    if printable < 0.95 * len(text[:4096]):
        raise InputError(f"{name} is a binary file, not text: upload the résumé as PDF, DOCX, Markdown or text.")
    return text


def _heading(line: str) -> Section | None:
    """The section a heading line opens, or None for a line that is not a heading."""
    match = _HEADING.match(MARKDOWN_MARKS.sub("", line).strip("*_ "))
    if not match or BULLET.match(line):
        return None
    title = match.group(1).strip().lower()
    if len(title.split()) > 4:
        return None
    for word, section in _HEADINGS.items():
        if word in title:
            return section
    return None


def _lines(text: str) -> list[ResumeLine]:
    """Content lines with their section; before any heading, a line is "other" (name, contact)."""
    section: Section = "other"
    seen_heading = False
    out: list[ResumeLine] = []
    for raw in text.splitlines():
        heading = _heading(raw)
        if heading is not None:
            section, seen_heading = heading, True
            continue
        line = MARKDOWN_MARKS.sub("", BULLET.sub("", raw)).strip(" |·")
        line = re.sub(r"\s+", " ", line)
        if len(words(line)) < 2:
            continue
        if not seen_heading and BULLET.match(raw):
            out.append(ResumeLine(line, "experience"))  # a résumé of bullets alone
        else:
            out.append(ResumeLine(line, section))
    return out


def _looks_like_resume(text: str, lines: list[ResumeLine]) -> bool:
    """Two of: an experience section, a skills section, dated roles, lines telling what was done."""
    sections = {line.section for line in lines}
    signals = [
        "experience" in sections,
        "skills" in sections,
        len(_YEAR.findall(text)) >= 2,
        sum(line.achievement for line in lines) >= 3,
    ]
    return sum(signals) >= 2 and len(lines) >= 3
