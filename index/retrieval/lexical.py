"""BM25 over per-field term lists, with an inverted index so scoring touches only matching chunks.

Postings are numpy arrays (term t's rows, ascending, are rows[offsets[t]:offsets[t + 1]]) and each
chunk's length norm is computed once, so a question costs work in proportion to the postings of its
own terms: every chunk (`scores`, for small collections), chosen chunks (`scores_of`, a binary search
per term), or the likeliest chunks of a large collection (`candidates`, from the rows where each term
weighs most, kept apart per term).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from itertools import chain
from typing import cast

import numpy as np

K1 = 1.2
B = 0.75
HEAD_POSTINGS = 1024  # rows per term, heaviest first, that candidates are taken from
BLOCK_BITS = 16  # posting rows are stored as offsets within blocks of 65,536 chunks
PACKED_PARTS = ("low", "starts", "counts", "lengths", "head_terms", "head_offsets", "head_rows", "head_counts")


def _ascending(ids: np.ndarray, rows: np.ndarray) -> bool:
    """Whether triples are already ordered by term, then row (sorting again costs seconds at scale)."""
    step = np.diff(ids)
    return bool(np.all((step > 0) | ((step == 0) & (np.diff(rows) > 0))))


def distinct(query: list[str]) -> list[str]:
    """A query's terms once each, in a fixed order: float sums then do not depend on the hash seed."""
    return sorted(set(query))


def term_weight(idf: float, counts: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """A term's BM25 weight in chunks holding it `counts` times, whose length norms are `norms`."""
    tf = counts.astype(np.float32)
    return idf * tf * (K1 + 1) / (tf + norms)


def held_counts(rows: np.ndarray, counts: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which of the `wanted` rows (ascending) a term's postings (`rows` ascending, not empty) hold,
    and the term's count in each of those."""
    at = np.minimum(np.searchsorted(rows, wanted), len(rows) - 1)
    held = rows[at] == wanted
    return held, counts[at[held]]


class PackedRows:
    """Each term's posting rows, ascending, as 16-bit offsets within blocks of 2**BLOCK_BITS chunks,
    with where each (term, block) run starts: 2 bytes a posting instead of 4."""

    def __init__(self, ids: np.ndarray, rows: np.ndarray, terms: int, size: int) -> None:
        """`ids` and `rows` sorted by term id, then row."""
        self.blocks = ((max(size, 1) - 1) >> BLOCK_BITS) + 1
        self.low = (rows & (2**BLOCK_BITS - 1)).astype(np.uint16)
        keys = ids.astype(np.int64) * self.blocks + (rows.astype(np.int64) >> BLOCK_BITS)
        starts = np.searchsorted(keys, np.arange(terms * self.blocks + 1))
        self.starts = starts.astype(np.uint32 if len(rows) < 2**32 else np.int64)

    @classmethod
    def from_parts(cls, low: np.ndarray, starts: np.ndarray, size: int) -> PackedRows:
        """Postings as stored (`low` and `starts` of a collection of `size` chunks), used in place."""
        packed = object.__new__(cls)
        packed.blocks = ((max(size, 1) - 1) >> BLOCK_BITS) + 1
        packed.low, packed.starts = low, starts
        return packed

    def span(self, term: int) -> tuple[int, int]:
        """Where the term's postings lie in the posting arrays."""
        return int(self.starts[term * self.blocks]), int(self.starts[(term + 1) * self.blocks])

    def rows(self, term: int) -> np.ndarray:
        bounds = self.starts[term * self.blocks : (term + 1) * self.blocks + 1].astype(np.int64)
        base = np.repeat(np.arange(self.blocks, dtype=np.int64) << BLOCK_BITS, np.diff(bounds))
        return base + self.low[bounds[0] : bounds[-1]]

    def nbytes(self) -> int:
        return self.low.nbytes + self.starts.nbytes

    def extended(self, ids: np.ndarray, rows: np.ndarray, terms: int, size: int) -> tuple[PackedRows, np.ndarray]:
        """These postings with others whose rows all come after this collection's (an appended
        document's), `ids` and `rows` sorted by term then row; and where (np.insert's indices into
        the posting arrays) the others went, so per-posting arrays (counts) are extended the same way.

        No posting is decoded or sorted again: each term's new postings go after its old ones, and
        each run's start moves by the number of postings inserted before it."""
        old_terms = (len(self.starts) - 1) // self.blocks
        blocks = ((max(size, 1) - 1) >> BLOCK_BITS) + 1
        keys = ids.astype(np.int64) * blocks + (rows.astype(np.int64) >> BLOCK_BITS)
        term_ends = self.starts[self.blocks :: self.blocks].astype(np.int64)
        at = np.full(len(ids), len(self.low), dtype=np.int64)  # a new term's postings go at the end
        known = ids < old_terms
        at[known] = term_ends[ids[known]]
        merged = object.__new__(PackedRows)
        merged.blocks = blocks
        merged.low = np.insert(self.low, at, (rows & (2**BLOCK_BITS - 1)).astype(np.uint16))
        dtype = np.uint32 if len(merged.low) < 2**32 else np.int64
        merged.starts = self._starts_in(blocks, terms, dtype)
        distinct, counts = np.unique(keys, return_counts=True)
        bounds = np.concatenate([[0], distinct + 1, [len(merged.starts)]])
        before = np.concatenate([[0], np.cumsum(counts)]).astype(dtype)
        np.add(merged.starts, np.repeat(before, np.diff(bounds)), out=merged.starts)  # postings inserted before
        return merged, at

    def _starts_in(self, blocks: int, terms: int, dtype: type) -> np.ndarray:
        """The run starts of these postings laid out for `terms` terms of `blocks` blocks each."""
        if blocks == self.blocks:
            starts: np.ndarray = np.empty(terms * blocks + 1, dtype=dtype)
            starts[: len(self.starts)] = self.starts
            starts[len(self.starts) :] = self.starts[-1]
            return starts
        old_terms = (len(self.starts) - 1) // self.blocks
        runs = np.zeros((terms, blocks), dtype=np.int64)
        runs[:old_terms, : self.blocks] = np.diff(self.starts.astype(np.int64)).reshape(old_terms, self.blocks)
        return np.concatenate([[0], np.cumsum(runs.ravel())]).astype(dtype)

    def triples(self) -> tuple[np.ndarray, np.ndarray]:
        """Every posting's term id and row, in posting order (by term, then row)."""
        runs: np.ndarray = np.diff(self.starts.astype(np.int64))
        block_of_run = np.arange(len(runs), dtype=np.int64) % self.blocks
        rows = np.repeat(block_of_run << BLOCK_BITS, runs) + self.low
        terms = len(runs) // self.blocks
        per_term: np.ndarray = np.diff(self.starts[:: self.blocks].astype(np.int64))
        ids = np.repeat(np.arange(terms, dtype=np.int64), per_term)
        return ids, rows


class BM25:
    def __init__(
        self,
        vocabulary: dict[str, int],
        rows: PackedRows,
        counts: np.ndarray,
        lengths: np.ndarray,
        heads: HeadPostings | None = None,
    ) -> None:
        self.vocabulary = vocabulary  # term -> id
        self.rows, self.counts = rows, counts  # counts in posting order, as uint8
        self.size = len(lengths)
        self.lengths = lengths = lengths.astype(np.float32)
        self.average_length = float(lengths.mean()) if self.size and lengths.sum() else 1.0
        self.norm = K1 * (1 - B + B * lengths / self.average_length)  # each chunk's length norm, computed once
        self.heads = heads if heads is not None else HeadPostings.build(self)

    @classmethod
    def from_documents(cls, documents: list[list[str]]) -> BM25:
        """Term ids in order of first appearance; postings counted with numpy rather than a Counter
        a chunk, which made loading a 100,000-chunk index take over a minute."""
        terms = dict.fromkeys(chain.from_iterable(documents))  # distinct, in order of first appearance
        vocabulary = dict(zip(terms, range(len(terms)), strict=True))
        lengths = np.fromiter(map(len, documents), dtype=np.int64, count=len(documents))
        ids = np.fromiter(
            map(vocabulary.__getitem__, chain.from_iterable(documents)), dtype=np.int64, count=int(lengths.sum())
        )
        size = max(len(documents), 1)
        rows = np.repeat(np.arange(len(documents), dtype=np.int64), lengths)
        keys, counts = np.unique(ids * size + rows, return_counts=True)  # one (term, row) key a posting
        return cls.from_triples(vocabulary, keys // size, keys % size, counts, lengths.astype(np.float32))

    @classmethod
    def from_triples(
        cls, vocabulary: dict[str, int], ids: np.ndarray, rows: np.ndarray, counts: np.ndarray, lengths: np.ndarray
    ) -> BM25:
        """From (term id, row, count) triples, one per term of a chunk, in any order."""
        if len(ids) > 1 and not _ascending(ids, rows):
            order = np.lexsort((rows, ids))
            ids, rows, counts = ids[order], rows[order], counts[order]
        packed = PackedRows(ids, rows, len(vocabulary), len(lengths))
        counts = np.minimum(counts, 255).astype(np.uint8)  # a count past 255 changes BM25 by < 0.1%
        return cls(vocabulary, packed, counts, lengths)

    def terms(self) -> list[str]:
        """The vocabulary in id order."""
        return list(self.vocabulary)

    def extended(self, added: BM25) -> BM25:
        """This field with the chunks of `added` after its own (an appended document's), without
        touching the postings of terms the addition does not hold. Scores equal those of the field
        built from every chunk's terms at once."""
        vocabulary = dict(self.vocabulary)
        for term in added.vocabulary:
            vocabulary.setdefault(term, len(vocabulary))
        added_ids, added_rows = added.rows.triples()
        ids = np.array([vocabulary[t] for t in added.terms()], dtype=np.int64)[added_ids]
        rows = added_rows + self.size
        order = np.lexsort((rows, ids))
        ids, rows, counts = ids[order], rows[order], added.counts[order]
        packed, at = self.rows.extended(ids, rows, len(vocabulary), self.size + added.size)
        merged_counts = np.insert(self.counts, at, counts)
        merged = BM25(vocabulary, packed, merged_counts, np.concatenate([self.lengths, added.lengths]), self.heads)
        merged.heads = self.heads.extended(merged, np.unique(ids))
        return merged

    def postings_of(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Rows holding the term, ascending, and its count in each (views, uint8 counts)."""
        t = self.vocabulary.get(term)
        if t is None:
            return np.zeros(0, dtype=np.int64), self.counts[:0]
        start, end = self.rows.span(t)
        return self.rows.rows(t), self.counts[start:end]

    def idf(self, term: str) -> float:
        t = self.vocabulary.get(term)
        start, end = (0, 0) if t is None else self.rows.span(t)
        n = end - start
        return math.log(1 + (self.size - n + 0.5) / (n + 0.5))

    def scores(self, query: list[str]) -> np.ndarray:
        scores = np.zeros(self.size, dtype=np.float32)
        for term in distinct(query):
            rows, counts = self.postings_of(term)
            if len(rows):
                scores[rows] += term_weight(self.idf(term), counts, self.norm[rows])
        return scores

    def scores_of(self, query: list[str], chosen: np.ndarray) -> np.ndarray:
        """`scores(query)[chosen]` for chosen rows (ascending), reading only the query's terms' postings."""
        scores = np.zeros(len(chosen), dtype=np.float32)
        for term in distinct(query):
            rows, counts = self.postings_of(term)
            if not len(rows):
                continue
            held, found = held_counts(rows, counts, chosen)
            scores[held] += term_weight(self.idf(term), found, self.norm[chosen[held]])
        return scores

    def candidates(self, query: list[str]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """For each query term, the rows where it weighs most and their scores for it."""
        for term in distinct(query):
            t = self.vocabulary.get(term)
            if t is None:
                continue
            rows, counts = self.heads.of(self, t)
            yield rows, term_weight(self.idf(term), counts, self.norm[rows])

    def ceiling(self, query: list[str]) -> float:
        """The score of a chunk holding every query term, so scores read as coverage from 0 to 1.

        Terms the corpus lacks count too: a question whose words are mostly absent scores low.
        """
        return sum(self.idf(t) * (K1 + 1) for t in distinct(query)) or 1.0

    def nbytes(self) -> int:
        heads = (self.heads.terms, self.heads.offsets, self.heads.rows, self.heads.counts)
        return self.rows.nbytes() + sum(a.nbytes for a in (self.counts, self.norm, *heads))


class SegmentedBM25:
    """One field of a collection with appended parts: the base's postings and each part's, each kept
    as loaded (read in place, never copied together), scored with the whole collection's
    statistics (document frequencies, average length), so scores equal those of one index built
    from every chunk. Candidates come from each segment's own heads."""

    def __init__(self, segments: list[BM25 | SegmentedBM25]) -> None:
        self.segments: tuple[BM25, ...] = tuple(
            s for segment in segments for s in (segment.segments if isinstance(segment, SegmentedBM25) else [segment])
        )
        self.offsets = np.concatenate([[0], np.cumsum([s.size for s in self.segments])]).astype(np.int64)
        self.size = int(self.offsets[-1])
        lengths = np.concatenate([s.lengths for s in self.segments])
        self.average_length = float(lengths.mean()) if self.size and lengths.sum() else 1.0
        self.norms = [K1 * (1 - B + B * s.lengths / self.average_length) for s in self.segments]
        self.vocabulary = TermsUnion([s.vocabulary for s in self.segments])

    def _parts(self, term: str) -> Iterator[tuple[int, BM25, int, np.ndarray]]:
        """(segment number, segment, term id, norms) of each segment holding the term."""
        for number, (segment, norm) in enumerate(zip(self.segments, self.norms, strict=True)):
            t = segment.vocabulary.get(term)
            if t is not None:
                yield number, segment, t, norm

    def idf(self, term: str) -> float:
        n = sum(end - start for _, segment, t, _ in self._parts(term) for start, end in [segment.rows.span(t)])
        return math.log(1 + (self.size - n + 0.5) / (n + 0.5))

    def postings_of(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        found = [(segment.postings_of(term), self.offsets[n]) for n, segment, _, _ in self._parts(term)]
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint8)
        return np.concatenate([rows + offset for (rows, _), offset in found]), np.concatenate(
            [c for (_, c), _ in found]
        )

    def scores(self, query: list[str]) -> np.ndarray:
        scores = np.zeros(self.size, dtype=np.float32)
        for term in distinct(query):
            idf = self.idf(term)
            for n, segment, _, norm in self._parts(term):
                rows, counts = segment.postings_of(term)
                scores[self.offsets[n] + rows] += term_weight(idf, counts, norm[rows])
        return scores

    def scores_of(self, query: list[str], chosen: np.ndarray) -> np.ndarray:
        """`scores(query)[chosen]` for chosen rows (ascending), reading only the query's terms' postings."""
        scores = np.zeros(len(chosen), dtype=np.float32)
        bounds = np.searchsorted(chosen, self.offsets)
        for term in distinct(query):
            idf = self.idf(term)
            for n, segment, _, norm in self._parts(term):
                within = slice(int(bounds[n]), int(bounds[n + 1]))
                local = chosen[within] - self.offsets[n]
                rows, counts = segment.postings_of(term)
                if not len(rows):  # a vocabulary may keep a term no chunk of the segment holds
                    continue
                held, found = held_counts(rows, counts, local)
                scores[within][held] += term_weight(idf, found, norm[local[held]])
        return scores

    def candidates(self, query: list[str]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for term in distinct(query):
            idf, rows, weights = self.idf(term), [], []
            for n, segment, t, norm in self._parts(term):
                head, counts = segment.heads.of(segment, t)
                rows.append(head + self.offsets[n])
                weights.append(term_weight(idf, counts, norm[head]))
            if rows:
                yield np.concatenate(rows), np.concatenate(weights)

    def ceiling(self, query: list[str]) -> float:
        return sum(self.idf(t) * (K1 + 1) for t in distinct(query)) or 1.0

    def terms(self) -> list[str]:
        return list(self.vocabulary)

    def extended(self, added: BM25) -> SegmentedBM25:
        return SegmentedBM25([*self.segments, added])

    def merged(self) -> BM25:
        """The segments folded into one BM25 (what is written when the collection is stored whole)."""
        merged = self.segments[0]
        for segment in self.segments[1:]:
            merged = merged.extended(segment)
        return merged

    def nbytes(self) -> int:
        return sum(s.nbytes() for s in self.segments)


class TermsUnion:
    """The terms of several vocabularies, each once, in order of first appearance."""

    def __init__(self, vocabularies: list[dict[str, int]]) -> None:
        self.vocabularies = vocabularies

    def __contains__(self, term: object) -> bool:
        return any(term in v for v in self.vocabularies)

    def __iter__(self) -> Iterator[str]:
        yield from self.vocabularies[0]
        for at, vocabulary in enumerate(self.vocabularies[1:], start=1):
            yield from (t for t in vocabulary if not any(t in v for v in self.vocabularies[:at]))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class HeadPostings:
    """For terms held by more than HEAD_POSTINGS chunks, the HEAD_POSTINGS where the term's BM25
    weight is highest (their count over length norm); shorter postings are their own head."""

    def __init__(self, terms: np.ndarray, offsets: np.ndarray, rows: np.ndarray, counts: np.ndarray) -> None:
        self.terms, self.offsets, self.rows, self.counts = terms, offsets, rows, counts

    @classmethod
    def build(cls, bm25: BM25, per_term: int = HEAD_POSTINGS) -> HeadPostings:
        starts = bm25.rows.starts[:: bm25.rows.blocks].astype(np.int64)
        long_terms = np.flatnonzero(np.diff(starts) > per_term)
        heads, counts = [], []
        for t in long_terms:
            rows, tf = bm25.rows.rows(int(t)), bm25.counts[starts[t] : starts[t + 1]]
            weight = tf / (tf + bm25.norm[rows])
            best = np.sort(np.argpartition(-weight, per_term)[:per_term])
            heads.append(rows[best])
            counts.append(tf[best])
        offsets = np.concatenate([[0], np.cumsum([len(h) for h in heads])]).astype(np.int64)
        if not heads:
            return cls(long_terms, offsets, np.zeros(0, np.int32), np.zeros(0, np.uint8))
        return cls(long_terms, offsets, np.concatenate(heads).astype(np.int32), np.concatenate(counts))

    def extended(self, bm25: BM25, touched: np.ndarray, per_term: int = HEAD_POSTINGS) -> HeadPostings:
        """The heads of `bm25` (this collection plus appended chunks) where only the `touched`
        terms, those the appended chunks hold, are chosen again; the others keep their rows."""
        starts = bm25.rows.starts[:: bm25.rows.blocks]
        long_touched = touched[starts[touched + 1].astype(np.int64) - starts[touched] > per_term]
        kept = ~np.isin(self.terms, long_touched)
        terms = [self.terms[kept]]
        heads, counts = [], []
        lengths = np.diff(self.offsets)
        kept_positions = np.repeat(kept, lengths)
        for t in long_touched:
            rows, tf = bm25.rows.rows(int(t)), bm25.counts[int(starts[t]) : int(starts[t + 1])]
            best = np.sort(np.argpartition(-(tf / (tf + bm25.norm[rows])), per_term)[:per_term])
            heads.append(rows[best].astype(np.int32))
            counts.append(tf[best])
        terms.append(long_touched)
        all_terms = np.concatenate(terms).astype(self.terms.dtype if len(self.terms) else np.int64)
        all_rows = np.concatenate([self.rows[kept_positions], *heads]).astype(np.int32)
        all_counts = np.concatenate([self.counts[kept_positions], *counts]).astype(np.uint8)
        sizes = np.concatenate([lengths[kept], [len(h) for h in heads]]).astype(np.int64)
        order = np.argsort(all_terms, kind="stable")
        starts_of = np.concatenate([[0], np.cumsum(sizes)])
        positions = np.concatenate([np.arange(starts_of[i], starts_of[i + 1]) for i in order] or [np.zeros(0, int)])
        offsets = np.concatenate([[0], np.cumsum(sizes[order])]).astype(np.int64)
        return HeadPostings(all_terms[order], offsets, all_rows[positions], all_counts[positions])

    def of(self, bm25: BM25, term: int) -> tuple[np.ndarray, np.ndarray]:
        """The term's head rows and their counts (all its postings when they are few)."""
        at = int(np.searchsorted(self.terms, term))
        if at < len(self.terms) and self.terms[at] == term:
            return self.rows[self.offsets[at] : self.offsets[at + 1]], self.counts[
                self.offsets[at] : self.offsets[at + 1]
            ]
        start, end = bm25.rows.span(term)
        return bm25.rows.rows(term), bm25.counts[start:end]


class PostingsView(Mapping):
    """term -> [(row, count)] of one field, read from the arrays (what evidence checks look up)."""

    def __init__(self, bm25: BM25 | SegmentedBM25) -> None:
        self.bm25 = bm25

    def __getitem__(self, term: str) -> list[tuple[int, int]]:
        if term not in self.bm25.vocabulary:
            raise KeyError(term)
        rows, counts = self.bm25.postings_of(term)
        return list(zip(rows.tolist(), counts.astype(int).tolist(), strict=True))

    def __contains__(self, term: object) -> bool:
        return term in self.bm25.vocabulary

    def __iter__(self) -> Iterator[str]:
        return iter(self.bm25.vocabulary)

    def __len__(self) -> int:
        return len(self.bm25.vocabulary)


class RepeatedTerm(ValueError):
    """A stored vocabulary holds a term twice (its message is the field)."""


class LexicalIndex:
    """One BM25 per language field."""

    def __init__(
        self,
        field_terms: list[dict[str, list[str]]] | None = None,
        fields: Mapping[str, BM25 | SegmentedBM25] | None = None,
    ) -> None:
        if fields is None:
            names = {name for terms in field_terms or [] for name in terms}
            fields = {name: BM25.from_documents([terms.get(name, []) for terms in field_terms or []]) for name in names}
        self.fields: dict[str, BM25 | SegmentedBM25] = dict(fields)

    def arrays(self) -> tuple[dict[str, list[str]], dict[str, np.ndarray]]:
        """What is stored (store.py): each field's vocabulary in id order, and its postings as they are
        held, so loading reads them in place: `{field}_low` and `{field}_starts` (PackedRows),
        `{field}_counts` in posting order, `{field}_lengths` per chunk, and the heads of long postings
        (`{field}_head_terms`, `_head_offsets`, `_head_rows`, `_head_counts`)."""
        vocabularies: dict[str, list[str]] = {}
        arrays: dict[str, np.ndarray] = {}
        for name, field in sorted(self.fields.items()):
            bm25 = _whole(field)
            vocabularies[name] = bm25.terms()
            arrays |= {
                f"{name}_low": bm25.rows.low,
                f"{name}_starts": bm25.rows.starts,
                f"{name}_counts": bm25.counts,
                f"{name}_lengths": bm25.lengths,
                f"{name}_head_terms": bm25.heads.terms.astype(np.int64),
                f"{name}_head_offsets": bm25.heads.offsets.astype(np.int64),
                f"{name}_head_rows": bm25.heads.rows.astype(np.int32),
                f"{name}_head_counts": bm25.heads.counts.astype(np.uint8),
            }
        return vocabularies, arrays

    @classmethod
    def from_packed(cls, vocabularies: dict[str, list[str]], arrays: dict[str, np.ndarray], size: int) -> LexicalIndex:
        """The index `arrays()` describes, its arrays used in place (checked by shapes.lexical first)."""
        fields = {}
        for name, terms in vocabularies.items():
            vocabulary = dict(zip(terms, range(len(terms)), strict=True))
            if len(vocabulary) < len(terms):
                raise RepeatedTerm(name)
            part = {key: arrays[f"{name}_{key}"] for key in PACKED_PARTS}
            heads = HeadPostings(part["head_terms"], part["head_offsets"], part["head_rows"], part["head_counts"])
            rows = PackedRows.from_parts(part["low"], part["starts"], size)
            fields[name] = BM25(vocabulary, rows, part["counts"], part["lengths"], heads)
        return cls(fields=fields)

    def triples(self) -> tuple[dict[str, list[str]], dict[str, np.ndarray]]:
        """Each field's vocabulary and its postings as (term id, row, count) triples, as format 6 stored them."""
        vocabularies: dict[str, list[str]] = {}
        arrays: dict[str, np.ndarray] = {}
        for name, field in sorted(self.fields.items()):
            bm25 = _whole(field)
            ids, rows = bm25.rows.triples()
            vocabularies[name] = bm25.terms()
            arrays |= {
                f"{name}_ids": ids.astype(np.int32),
                f"{name}_rows": rows.astype(np.int32),
                f"{name}_counts": bm25.counts,
                f"{name}_lengths": bm25.lengths,
            }
        return vocabularies, arrays

    @classmethod
    def from_arrays(cls, vocabularies: dict[str, list[str]], arrays: dict[str, np.ndarray]) -> LexicalIndex:
        """The index `triples()` describes (format 6; checked by shapes.lexical before it gets here)."""
        fields = {}
        for name, terms in vocabularies.items():
            vocabulary = dict(zip(terms, range(len(terms)), strict=True))
            if len(vocabulary) < len(terms):
                raise RepeatedTerm(name)
            ids, rows, counts = (arrays[f"{name}_{part}"] for part in ("ids", "rows", "counts"))
            fields[name] = BM25.from_triples(vocabulary, ids, rows, counts, arrays[f"{name}_lengths"])
        return cls(fields=fields)

    def extended(self, added: LexicalIndex, size: int, added_size: int) -> LexicalIndex:
        """This index of `size` chunks with the `added_size` chunks of `added` after them, each
        field's postings kept apart (SegmentedBM25): nothing of this index is copied."""
        fields: dict[str, BM25 | SegmentedBM25] = {}
        for name in sorted(set(self.fields) | set(added.fields)):
            mine = self.fields.get(name) or _no_terms(size)
            fields[name] = SegmentedBM25([mine, added.fields.get(name) or _no_terms(added_size)])
        return LexicalIndex(fields=fields)

    def merged(self) -> LexicalIndex:
        """This index with each field's segments folded into one (for writing it whole)."""
        return LexicalIndex(fields={name: _whole(bm25) for name, bm25 in self.fields.items()})

    def size(self, default: int) -> int:
        """How many chunks the index covers (`default` when it has no field)."""
        return next((bm25.size for bm25 in self.fields.values()), default)

    def terms_by_chunk(self, size: int) -> list[dict[str, list[str]]]:
        """Each chunk's terms by field, as a bag (a term repeated as often as the chunk holds it):
        what a rebuild reuses for unchanged chunks."""
        chunks: list[dict[str, list[str]]] = [{} for _ in range(size)]
        for name, field in self.fields.items():
            bm25 = _whole(field)
            ids, rows = bm25.rows.triples()
            order = np.argsort(rows, kind="stable")
            words = np.array(bm25.terms(), dtype=object)[np.repeat(ids[order], bm25.counts[order])]
            ends = np.cumsum(np.bincount(rows, weights=bm25.counts, minlength=size).astype(np.int64))
            for row, (start, end) in enumerate(zip(np.concatenate([[0], ends[:-1]]), ends, strict=True)):
                if end > start:
                    chunks[row][name] = words[start:end].tolist()
        return chunks

    def postings(self) -> dict[str, dict[str, list]]:
        """field -> term -> [(row, count)], for terms the collection holds (read-only views of the arrays)."""
        return {name: cast(dict[str, list], PostingsView(bm25)) for name, bm25 in self.fields.items()}

    def used(self, query: dict[str, list[str]]) -> Iterator[tuple[BM25 | SegmentedBM25, list[str]]]:
        for field, terms in query.items():
            bm25 = self.fields.get(field)
            if bm25 is not None and terms:
                yield bm25, terms

    def ceiling(self, query: dict[str, list[str]]) -> float:
        return sum(bm25.ceiling(terms) for bm25, terms in self.used(query))

    def scores(self, query: dict[str, list[str]], size: int) -> np.ndarray:
        """Coverage of the query by each chunk, 0 to 1, summed over the fields the query uses."""
        total = np.zeros(size, dtype=np.float32)
        for bm25, terms in self.used(query):
            total += bm25.scores(terms)
        ceiling = self.ceiling(query)
        return total / ceiling if ceiling else total

    def scores_of(self, query: dict[str, list[str]], chosen: np.ndarray) -> np.ndarray:
        """`scores(query)[chosen]`, without touching other chunks."""
        total = np.zeros(len(chosen), dtype=np.float32)
        for bm25, terms in self.used(query):
            total += bm25.scores_of(terms, chosen)
        ceiling = self.ceiling(query)
        return total / ceiling if ceiling else total

    def candidates(self, query: dict[str, list[str]], wanted: int) -> np.ndarray:
        """Up to `wanted` rows likely to score highest, summing each term's best rows' scores."""
        parts = [part for bm25, terms in self.used(query) for part in bm25.candidates(terms)]
        if not parts:
            return np.zeros(0, dtype=np.int64)
        rows, inverse = np.unique(np.concatenate([r for r, _ in parts]), return_inverse=True)
        scores = np.bincount(inverse, weights=np.concatenate([s for _, s in parts]), minlength=len(rows))
        if len(rows) <= wanted:
            return rows.astype(np.int64)
        return rows[np.argpartition(-scores, wanted)[:wanted]].astype(np.int64)

    def nbytes(self) -> int:
        return sum(bm25.nbytes() for bm25 in self.fields.values())


def _whole(field: BM25 | SegmentedBM25) -> BM25:
    return field.merged() if isinstance(field, SegmentedBM25) else field


def _no_terms(size: int) -> BM25:
    """A field that none of `size` chunks has a term in."""
    return BM25.from_documents([[] for _ in range(size)])
