"""Decide whether the retrieved text answers a question at all.

Raw cosine similarity depends on the question's language (a Chinese question scores higher
against Chinese text than an English one does). So the question is also scored against background
passages on everyday topics (see background.py): what counts is how much closer the best chunk
is than the best background passage, plus lexical coverage of the question by that chunk.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEXICAL_WEIGHT = 0.03
THRESHOLD = 0.005


@dataclass(frozen=True)
class Relevance:
    top: float
    background: float
    lexical: float

    @property
    def score(self) -> float:
        return self.top - self.background + LEXICAL_WEIGHT * self.lexical

    def answers(self, threshold: float = THRESHOLD) -> bool:
        return self.score >= threshold


def assess(dense: np.ndarray, lexical: np.ndarray, mask: np.ndarray, background: np.ndarray) -> Relevance:
    """Relevance of the best chunk within mask; without background passages, the corpus median stands in."""
    if not mask.any():
        return Relevance(top=0.0, background=1.0, lexical=0.0)
    reference = float(background.max()) if background.size else float(np.median(dense))
    return Relevance(top=float(dense[mask].max()), background=reference, lexical=float(lexical[mask].max()))
