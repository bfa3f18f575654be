"""ReferenceStore: reference answers, key points and question prompts embedded once, in Chroma."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from .bank import Corpus, Question
from .config import Settings, quiet_third_parties
from .embeddings import Embedder, holistic, model_version, similarities
from .errors import StoreError
from .text import demote, split_sentences

COLLECTION = "interview-references"
SCHEMA = "1"  # bump when the record layout changes: the collection is rebuilt

Progress = Callable[[int, int], None]  # (questions embedded so far, questions to embed)
# Two bank references at this cosine or more are on one topic (the bank's drift questions sit at
# 0.5-0.7 with one another, questions of different categories under 0.4).
SAME_TOPIC = 0.5
CHUNK = 32  # questions embedded per batch: large batches keep ingest near raw encode speed


@dataclass(frozen=True)
class ReferenceVectors:
    """What grading needs from a question, embedded once (at ingest for bank questions)."""

    reference: np.ndarray  # (d,) unit vector of the reference answer
    key_points: np.ndarray  # (k, d) one unit vector per key point


def reference_texts(question: Question) -> tuple[list[str], list[str]]:
    """The texts embedded for a question: its reference's sentences and its key points, demoted."""
    sentences = split_sentences(question.reference_answer) or [question.reference_answer]
    return demoted(sentences, question), demoted([k.text for k in question.key_points], question)


def demoted(texts: list[str], question: Question) -> list[str]:
    """Texts without the question's own words, so that echoing the question earns nothing.

    "Data drift is when the weights change" and "Data drift is a change in P(x)" share their
    subject; what tells them apart is the rest of the sentence, which is what gets compared.
    """
    return [demote(t, question.prompt) for t in texts]


@dataclass(frozen=True)
class IngestReport:
    questions: int
    embedded: int
    removed: int
    rebuilt: bool
    seconds: float

    def __str__(self) -> str:
        what = "rebuilt" if self.rebuilt else "up to date" if not self.embedded and not self.removed else "updated"
        return (
            f"Index {what}: {self.questions} questions, {self.embedded} embedded, "
            f"{self.removed} removed, {self.seconds:.2f} s."
        )


def _ids(question: Question) -> dict[str, str]:
    """Record ids derived from the question's content: unchanged questions keep their ids."""
    base = question.versioned_id
    ids = {"prompt": f"{base}:prompt", "reference": f"{base}:reference"}
    ids.update({f"kp{i}": f"{base}:kp{i}" for i in range(len(question.key_points))})
    return ids


def open_client(settings: Settings) -> Any:
    """An embedded PersistentClient under SIM_HOME, or an HttpClient when SIM_CHROMA_URL is set."""
    quiet_third_parties()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    try:
        if settings.chroma_url:
            url = urlparse(settings.chroma_url)
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        settings.ensure_home()
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
    except Exception as exc:  # chromadb raises many types; the user needs one sentence
        where = settings.chroma_url or settings.chroma_dir
        raise StoreError(
            f"Cannot open the reference store at {where} ({type(exc).__name__}: {exc}). "
            "Check SIM_CHROMA_URL, or delete the directory and run `interview-sim ingest`.",
            cause=f"{type(exc).__name__}: {exc}",
        ) from None


def quarantine(directory: Path) -> Path:
    """Move an unreadable store aside (kept for inspection) so a fresh one can be built."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # Chroma caches one client per path in-process
    target = directory.with_name(f"{directory.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}")
    if directory.exists():
        directory.rename(target)
    return target


class ReferenceStore:
    """Chroma collection of one embedding model's vectors; rebuilt when the model changes."""

    def __init__(self, client: Any, embedder: Embedder):
        self.client = client
        self.embedder = embedder
        self.signature = {"embedding_model": f"{embedder.name} ({model_version()})", "schema": SCHEMA}
        self._lock = threading.Lock()
        self._vectors: dict[str, ReferenceVectors] = {}
        self._references: tuple[list[str], np.ndarray] | None = None  # ids and vectors of every reference
        self.rebuilt = False
        self.collection = self._open_collection()

    def _open_collection(self) -> Any:
        existing = {c.name if hasattr(c, "name") else c for c in self.client.list_collections()}
        if COLLECTION in existing:
            collection = self.client.get_collection(COLLECTION, embedding_function=None)
            if {k: (collection.metadata or {}).get(k) for k in self.signature} == self.signature:
                return collection
            # Vectors from another model (or layout) are not comparable with ours.
            self.client.delete_collection(COLLECTION)
            self.rebuilt = True
        # Get-or-create: app processes starting at once on one Chroma server all open one collection
        # (create_collection raises in every process but the first).
        return self.client.get_or_create_collection(
            COLLECTION,
            embedding_function=None,  # never let Chroma embed (its default downloads a model)
            metadata=dict(self.signature),
            configuration={"hnsw": {"space": "cosine"}},
        )

    def ingest(self, corpus: Corpus, progress: Progress | None = None) -> IngestReport:
        """Embed what is new or changed, delete what is gone; idempotent."""
        started = time.perf_counter()
        with self._lock:
            wanted = {q.id: _ids(q) for q in corpus.questions}
            present = set(self.collection.get(include=[])["ids"])
            todo = [q for q in corpus.questions if not set(wanted[q.id].values()) <= present]
            stale = present - {i for ids in wanted.values() for i in ids.values()}
            if stale:
                self.collection.delete(ids=sorted(stale))
            if progress and todo:
                progress(0, len(todo))
            for start in range(0, len(todo), CHUNK):
                self._add(todo[start : start + CHUNK], corpus)
                if progress:
                    progress(min(start + CHUNK, len(todo)), len(todo))
            self._vectors.clear()
            self._references = None
        return IngestReport(len(corpus.questions), len(todo), len(stale), self.rebuilt, time.perf_counter() - started)

    def _add(self, questions: list[Question], corpus: Corpus) -> None:
        texts: list[str] = []
        spans: list[tuple[int, int]] = []
        for q in questions:
            sentences, points = reference_texts(q)
            spans.append((len(texts), len(sentences)))
            texts += [q.prompt, *sentences, *points]
        vectors = self.embedder.embed_batch(texts)
        ids, embeddings, docs, metas = [], [], [], []
        for q, (at, n_sent) in zip(questions, spans):
            meta = {
                "question_id": q.id,
                "pack": corpus.pack_of.get(q.id, ""),
                "category": q.category,
                "difficulty": q.difficulty,
                "kind": q.kind,
            }
            record_ids = _ids(q)
            ids += list(record_ids.values())
            kp_vectors = vectors[at + 1 + n_sent : at + 1 + n_sent + len(q.key_points)]
            embeddings += [vectors[at], holistic(vectors[at + 1 : at + 1 + n_sent]), *kp_vectors]
            docs += [q.prompt, q.reference_answer, *(k.text for k in q.key_points)]
            types = ["prompt", "reference"] + ["key_point"] * len(q.key_points)
            metas += [{**meta, "type": t} for t in types]
        self.collection.upsert(ids=ids, embeddings=np.asarray(embeddings).tolist(), documents=docs, metadatas=metas)

    def reference_vectors(self, question: Question) -> ReferenceVectors | None:
        """The stored vectors of a question, or None when it is not indexed (or changed)."""
        key = question.versioned_id
        if key in self._vectors:
            return self._vectors[key]
        ids = _ids(question)
        got = self.collection.get(ids=list(ids.values()), include=["embeddings"])
        by_id = dict(zip(got["ids"], got["embeddings"]))
        if len(by_id) != len(ids):
            return None
        vectors = ReferenceVectors(
            reference=np.asarray(by_id[ids["reference"]], dtype=np.float32),
            key_points=np.asarray([by_id[ids[f"kp{i}"]] for i in range(len(question.key_points))], dtype=np.float32),
        )
        self._vectors[key] = vectors
        return vectors

    def nearest_other_reference(
        self, vector: np.ndarray, exclude: str, unlike: np.ndarray | None = None
    ) -> tuple[str, float] | None:
        """The most similar reference answer of any other question: (question id, cosine).

        With `unlike` (a reference vector), only references on another topic than it count (cosine
        to it under SAME_TOPIC): an ad-hoc question on a topic the bank covers is no other question.
        Exact, over every stored reference vector, read from Chroma once per ingest: the product with
        a few hundred vectors costs microseconds, a filtered Chroma query milliseconds on every grade.
        """
        ids, matrix = self._reference_matrix()
        keep = np.array([i != exclude for i in ids], dtype=bool)
        if not keep.any():
            return None
        sims = similarities(matrix, np.asarray(vector, dtype=np.float32)[None, :])[:, 0]
        if unlike is not None:
            keep &= similarities(matrix, np.asarray(unlike, dtype=np.float32)[None, :])[:, 0] < SAME_TOPIC
        best = int(np.argmax(np.where(keep, sims, -np.inf)))
        return (ids[best], float(sims[best])) if keep[best] else None

    def _reference_matrix(self) -> tuple[list[str], np.ndarray]:
        with self._lock:
            if self._references is None:
                got = self.collection.get(where={"type": "reference"}, include=["embeddings", "metadatas"])
                ids = [str(m["question_id"]) for m in got["metadatas"]]
                vectors = np.asarray(got["embeddings"], dtype=np.float32) if ids else np.zeros((0, 1), np.float32)
                self._references = (ids, vectors)
            return self._references

    def search_questions(self, text: str, n: int = 10, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """Questions whose prompt is nearest in meaning to `text` (e.g. a job description)."""
        vector = self.embedder.embed_batch([text])[0]
        flt: dict[str, Any] = {"type": "prompt"}
        if where:
            flt = {"$and": [flt, *({k: v} for k, v in where.items())]}
        return self._query(vector, n, flt)

    def count(self) -> int:
        return int(self.collection.count())

    def _query(self, vector: np.ndarray, n: int, where: dict[str, Any]) -> list[tuple[str, float]]:
        # Chroma returns fewer than n results when it holds fewer (none when empty): no count() round trip.
        res = self.collection.query(
            query_embeddings=[np.asarray(vector).tolist()],
            n_results=n,
            where=where,
            include=["metadatas", "distances"],
        )
        return [
            (str(meta["question_id"]), 1.0 - float(dist))
            for meta, dist in zip(res["metadatas"][0], res["distances"][0])
        ]
