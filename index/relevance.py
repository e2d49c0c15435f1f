"""Decide whether the retrieved text answers a question at all.

Raw cosine similarity depends on the question's language (a Chinese question scores higher
against Chinese text than an English one does), so the decision uses how far the best chunk
stands out from the rest of the corpus for this very question, plus lexical coverage.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEXICAL_WEIGHT = 0.03
THRESHOLD = 0.034


@dataclass(frozen=True)
class Relevance:
    top: float
    gap: float
    lexical: float

    @property
    def score(self) -> float:
        return self.gap + LEXICAL_WEIGHT * self.lexical

    def answers(self, threshold: float = THRESHOLD) -> bool:
        return self.score >= threshold


def assess(dense: np.ndarray, lexical: np.ndarray, mask: np.ndarray) -> Relevance:
    """Relevance of the best chunk within mask, against the whole corpus as background."""
    if not mask.any():
        return Relevance(top=0.0, gap=0.0, lexical=0.0)
    top = float(dense[mask].max())
    return Relevance(top=top, gap=top - float(np.median(dense)), lexical=float(lexical[mask].max()))
