"""Vector maths on unit vectors: similarities, pooling, word-level alignment."""

from __future__ import annotations

import numpy as np


def similarities(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b.T, computed by torch: numpy's BLAS starts its own threads for a matrix this size, and
    on two cores they spin against the model's threads and slow the next encode twofold."""
    import torch

    with torch.no_grad():
        return (torch.from_numpy(np.ascontiguousarray(a)) @ torch.from_numpy(np.ascontiguousarray(b)).T).numpy()


def holistic(sentence_vectors: np.ndarray) -> np.ndarray:
    """One vector for a whole text: the normalised mean of its sentence vectors.

    Embedding sentences once and pooling them costs one encode of the text (no second pass
    for the whole answer) and, unlike encoding the whole text, never truncates at 256 tokens.
    """
    mean = sentence_vectors.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else mean


def point_alignment(points: list[np.ndarray], sentences: list[np.ndarray]) -> np.ndarray:
    """(sentences, key points): how much of each key point's words one sentence says, as
    align_recall measures it for the whole reference (mean of each point token's best cosine)."""
    sims = similarities(np.vstack(points), np.vstack(sentences))
    sentence_starts = np.cumsum([0] + [len(t) for t in sentences[:-1]])
    best = np.maximum.reduceat(sims, sentence_starts, axis=1)  # (point tokens, sentences)
    point_starts = np.cumsum([0] + [len(t) for t in points[:-1]])
    return (np.add.reduceat(best, point_starts, axis=0) / np.array([len(t) for t in points])[:, None]).T
