"""Decide whether the retrieved text answers a question at all.

Raw cosine similarity depends on the question's language (a Chinese question scores higher
against Chinese text than an English one does). So the question is also scored against background
passages on everyday topics (see background.py), in both the dense and the sparse space: what
counts is how much closer the best chunk is than the closest few background passages, plus
lexical coverage of the question. Several passages rather than the closest one, so that a single
background passage phrased like the question (a film's story, say) cannot veto it. Weights and
threshold come from a logistic fit on the development and held-out questions (`citebot eval` prints
the trade-off curve).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from citebot.index.corpus.text import script_of

LEXICAL_WEIGHT = 0.3
SPARSE_WEIGHT = 1.0
THRESHOLD = 0.09
# A firm answer needs this score, per script of the question; other scripts use THRESHOLD. Fitted
# with the evidence checks (evidence.py) by 5-fold cross-validation on the development and tuning
# sets (eval/README.md). Mongolian scores overlap most between answerable questions and traps, so
# its threshold is the lowest: there the evidence checks decide.
FIRM_THRESHOLDS = {"han": 0.27, "latin": 0.14, "cyrillic": 0.0, "hangul": 0.19}
# Below the firm threshold but at least this: the passages are shown as the closest ones, no direct answer.
RELATED_THRESHOLD = 0.09
BACKGROUND_REFERENCE = 3


@dataclass(frozen=True)
class Relevance:
    dense_margin: float
    sparse_margin: float
    lexical: float

    @property
    def score(self) -> float:
        return self.dense_margin + SPARSE_WEIGHT * self.sparse_margin + LEXICAL_WEIGHT * self.lexical

    def answers(self, threshold: float = THRESHOLD) -> bool:
        return self.score >= threshold


def firm_threshold(question: str) -> float:
    return FIRM_THRESHOLDS.get(script_of(question), THRESHOLD)


NOTHING = Relevance(dense_margin=-1.0, sparse_margin=0.0, lexical=0.0)


def margin(scores: np.ndarray, background: np.ndarray) -> float:
    if not scores.size or not background.size:
        return 0.0
    closest = np.sort(background)[-BACKGROUND_REFERENCE:]
    return float(scores.max() - closest.mean())


def assess(
    dense: np.ndarray,
    dense_background: np.ndarray,
    sparse: np.ndarray,
    sparse_background: np.ndarray,
    lexical: np.ndarray,
    mask: np.ndarray,
) -> Relevance:
    """Relevance of the best chunk within mask; a leg without background passages counts zero."""
    if not mask.any():
        return NOTHING
    return Relevance(
        dense_margin=margin(dense[mask], dense_background),
        sparse_margin=margin(sparse[mask], sparse_background),
        lexical=float(lexical[mask].max()),
    )
