"""The fused ranking of the three legs: dense (FAISS), lexical (BM25) and sparse (latent terms).

A small collection is scored whole, every leg over every chunk. A large one (more than
`exact_up_to` chunks) is scored on candidates: each leg's own likeliest rows (FAISS's nearest
vectors, the heads of the question's BM25 postings, the heads of its latent terms' postings), then
every leg scored exactly on their union, so a question costs work in proportion to the candidates,
not to the collection.
"""

from __future__ import annotations

from dataclasses import dataclass

import faiss
import numpy as np

from citebot.index.retrieval.lexical import LexicalIndex
from citebot.index.retrieval.sparse import SparsePostings, SparseRows, query_slots
from citebot.index.storage import store
from citebot.index.storage.dense_shards import DenseShards

LEXICAL_WEIGHT = 0.25
SPARSE_WEIGHT = 0.3
EXACT_UP_TO = store.EXACT_UP_TO  # chunks; above this, candidates
DENSE_CANDIDATES = 300
LEXICAL_CANDIDATES = 100
SPARSE_CANDIDATES = 100
NEAREST_WHEN_SCORING_EVERY_CHUNK = 1000  # a collection scored whole beyond exact FAISS (exact_up_to raised)


@dataclass(frozen=True)
class Legs:
    """One question's scores per leg over `rows` (every chunk, or the candidates), row for row."""

    rows: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray
    sparse: np.ndarray

    def fused(self, prior: np.ndarray) -> np.ndarray:
        return self.dense + LEXICAL_WEIGHT * self.lexical + SPARSE_WEIGHT * self.sparse + prior[self.rows]

    def ranked(self, prior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows best first, and their fused scores."""
        fused = self.fused(prior)
        order = np.argsort(-fused, kind="stable")
        return self.rows[order], fused[order]


@dataclass(frozen=True)
class Question:
    vector: np.ndarray  # unit dense query vector
    terms: dict[str, list[str]]  # lexical terms by field
    sparse: SparseRows | None  # latent terms, when the index has them


@dataclass
class HybridIndex:
    dense: faiss.Index | DenseShards
    lexical: LexicalIndex
    sparse: SparseRows  # the chunks' stored latent terms (empty when the index has none)
    postings: SparsePostings
    prior: np.ndarray
    exact_up_to: int = EXACT_UP_TO
    dense_candidates: int = DENSE_CANDIDATES
    lexical_candidates: int = LEXICAL_CANDIDATES
    sparse_candidates: int = SPARSE_CANDIDATES

    @property
    def size(self) -> int:
        return len(self.prior)

    def legs(self, question: Question, within: np.ndarray | None = None) -> Legs:
        """Scores of every chunk (small collections) or of the candidates, plus the rows of `within`."""
        if self.size <= self.exact_up_to:
            return self.every_chunk(question)
        nearest, similarity = self.nearest(question.vector)
        rows = self.candidates(question, nearest)
        if within is not None:
            rows = np.union1d(rows, within)
        return self.score_rows(question, rows, (nearest, similarity))

    def every_chunk(self, question: Question) -> Legs:
        dense = self.dense_of_every_chunk(question.vector)
        lexical = self.lexical.scores(question.terms, self.size)
        sparse = self.sparse_of(question.sparse, None)
        return Legs(np.arange(self.size), dense, lexical, sparse)

    def nearest(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """FAISS's dense_candidates nearest rows and their similarities."""
        similarity, rows = store.dense_search(self.dense, query.reshape(1, -1), self.dense_candidates)
        found = rows[0] >= 0
        return rows[0][found].astype(np.int64), similarity[0][found]

    def candidates(self, question: Question, nearest: np.ndarray) -> np.ndarray:
        """The union, ascending, of each leg's likeliest rows."""
        parts = [nearest, self.lexical.candidates(question.terms, self.lexical_candidates)]
        if question.sparse is not None and len(self.sparse) == self.size:
            parts.append(self.postings.candidates(question.sparse, self.sparse_candidates))
        return np.unique(np.concatenate(parts).astype(np.int64))

    def score_rows(self, question: Question, rows: np.ndarray, nearest: tuple[np.ndarray, np.ndarray]) -> Legs:
        """Every leg scored exactly on the given rows (ascending)."""
        dense = self.dense_of(question.vector, rows, nearest)
        lexical = self.lexical.scores_of(question.terms, rows)
        return Legs(rows, dense, lexical, self.sparse_of(question.sparse, rows))

    def dense_of(self, query: np.ndarray, rows: np.ndarray, nearest: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """Similarity of each row: FAISS's for the nearest, from the stored vectors for the others."""
        dense = np.zeros(len(rows), dtype=np.float32)
        searched = np.zeros(len(rows), dtype=bool)
        at = np.searchsorted(rows, nearest[0])
        dense[at], searched[at] = nearest[1], True
        others = rows[~searched]
        if len(others):
            dense[~searched] = np.dot(reconstruct(self.dense, others), query.astype(np.float32))
        return dense

    def dense_of_every_chunk(self, query: np.ndarray) -> np.ndarray:
        """Cosine with every chunk; beyond exact search's range, with the nearest few only (0 elsewhere)."""
        total = self.dense.ntotal
        wanted = total if total <= store.EXACT_UP_TO else NEAREST_WHEN_SCORING_EVERY_CHUNK
        scores, rows = store.dense_search(self.dense, query.reshape(1, -1), wanted)
        dense = np.zeros(total, dtype=np.float32)
        found = rows[0] >= 0
        dense[rows[0][found]] = scores[0][found]
        return dense

    def sparse_of(self, query: SparseRows | None, rows: np.ndarray | None) -> np.ndarray:
        size = self.size if rows is None else len(rows)
        if query is None or len(self.sparse) != self.size:
            return np.zeros(size, dtype=np.float32)
        return self.sparse.cosine_of(query_slots(query), rows)


def reconstruct(index: faiss.Index | DenseShards, rows: np.ndarray) -> np.ndarray:
    """The stored vectors of a few hundred rows. In this thread only, without OpenMP: waking a second
    thread costs more than decoding them (and on a busy machine, many times more)."""
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return index.reconstruct_batch(rows)
    finally:
        faiss.omp_set_num_threads(threads)
