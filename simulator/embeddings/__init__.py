"""Sentence embeddings: the Embedder protocol, the bundled model, and the vector maths on its output."""

from .model import (
    MODEL_NAME,
    Embedder,
    Encoded,
    MiniLMEmbedder,
    TokenEmbedder,
    default_embedder,
    encode,
    model_path,
    model_version,
)
from .vectors import holistic, point_alignment, similarities

__all__ = [
    "MODEL_NAME",
    "Embedder",
    "Encoded",
    "MiniLMEmbedder",
    "TokenEmbedder",
    "default_embedder",
    "encode",
    "holistic",
    "model_path",
    "model_version",
    "point_alignment",
    "similarities",
]
