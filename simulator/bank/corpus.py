"""The bank as loaded: every pack of a directory, indexed by question id."""

from __future__ import annotations

from pathlib import Path

from ..errors import PackError
from .files import CATEGORIES_FILE, load_categories, load_packs
from .models import Pack, Question


class Corpus:
    """All packs of a directory, indexed by question id."""

    def __init__(self, packs: list[Pack], categories: dict[str, str] | None = None):
        self.packs = packs
        self.categories = categories or {}
        self.questions = [q for p in packs for q in p.questions]
        self._by_id = {q.id: q for q in self.questions}
        self.pack_of = {q.id: p.pack for p in packs for q in p.questions}

    @classmethod
    def load(cls, root: str | Path) -> Corpus:
        root = Path(root)
        cats = load_categories(root) if (root / CATEGORIES_FILE).exists() else {}
        return cls(load_packs(root), cats)

    def get(self, question_id: str) -> Question:
        try:
            return self._by_id[question_id]
        except KeyError:
            raise PackError(
                f"Unknown question id {question_id!r}: run `interview-sim questions` to list the ids."
            ) from None

    def category_title(self, category: str) -> str:
        """The category's title, or its id when the bank has no title for it."""
        return self.categories.get(category, category)
