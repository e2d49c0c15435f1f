"""Sentence vectors of every window, computed with the index, so the direct answer needs no model call.

The direct answer picks the sentences of the best window closest to the question. Those sentences
never change between questions, so their vectors are computed once at build time (and reused for
unchanged sentences on a rebuild). Each distinct sentence is stored once; a window lists its rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from citebot.index.corpus.chunking import Chunk
from citebot.index.corpus.text import split_sentences
from citebot.index.retrieval.embedding import Embedder
from citebot.index.row_blocks import RowBlocks


def window_sentences(text: str) -> list[str]:
    """The non-empty sentences of a window, stripped, in order: what the direct answer chooses from."""
    return [s.strip() for s in split_sentences(text) if s.strip()]


@dataclass(frozen=True)
class SentenceVectors:
    vectors: np.ndarray | RowBlocks  # (distinct sentences, dimension) float32, unit rows
    offsets: np.ndarray  # (windows + 1,) int64: window i's sentences are rows[offsets[i]:offsets[i + 1]]
    rows: np.ndarray  # int64 rows of `vectors`, window after window

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def of(self, window_id: int) -> np.ndarray:
        """The vectors of a window's sentences, in the order window_sentences gives them."""
        return np.asarray(self.vectors[self.rows[self.offsets[window_id] : self.offsets[window_id + 1]]])

    @classmethod
    def empty(cls, dimension: int) -> SentenceVectors:
        return cls(np.zeros((0, dimension), np.float32), np.zeros(1, np.int64), np.zeros(0, np.int64))

    def concatenated(self, added: SentenceVectors) -> SentenceVectors:
        """These windows' sentences, then those of appended windows."""
        return SentenceVectors(
            RowBlocks([self.vectors, added.vectors]),
            np.concatenate([self.offsets, added.offsets[1:] + self.offsets[-1]]),
            np.concatenate([self.rows, added.rows + len(self.vectors)]),
        )

    def by_text(self, windows: Sequence[Chunk]) -> dict[str, np.ndarray]:
        """Each sentence's vector by its text, to reuse on a rebuild; windows must be the ones indexed."""
        if len(windows) != len(self):
            return {}
        known: dict[str, np.ndarray] = {}
        for window in windows:
            rows = self.rows[self.offsets[window.id] : self.offsets[window.id + 1]]
            sentences = window_sentences(window.text)
            if len(sentences) == len(rows):
                known.update(zip(sentences, (self.vectors[r] for r in rows), strict=True))
        return known


def encode_sentences(windows: list[Chunk], embedder: Embedder, known: dict[str, np.ndarray]) -> SentenceVectors:
    """Vectors of every window's sentences; sentences in `known` are not embedded again."""
    per_window = [window_sentences(w.text) for w in windows]
    distinct = list(dict.fromkeys(s for sentences in per_window for s in sentences))
    row_of = {sentence: row for row, sentence in enumerate(distinct)}
    missing = [s for s in distinct if s not in known]
    fresh = dict(zip(missing, embedder.embed_passages(missing), strict=True))
    vectors = np.zeros((len(distinct), embedder.dim), dtype=np.float32)
    for row, sentence in enumerate(distinct):
        vectors[row] = fresh[sentence] if sentence in fresh else known[sentence]
    offsets = np.cumsum([0, *map(len, per_window)]).astype(np.int64)
    rows = np.fromiter((row_of[s] for sentences in per_window for s in sentences), dtype=np.int64, count=offsets[-1])
    return SentenceVectors(vectors, offsets, rows)
