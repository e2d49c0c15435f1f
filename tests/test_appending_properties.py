"""Appending chunks to an index must give what building it from every chunk at once gives: the same
BM25 scores and postings, the same latent-term postings, the same translation tables."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citebot.index.retrieval.lexical import BLOCK_BITS, BM25, HeadPostings, LexicalIndex, PackedRows
from citebot.index.retrieval.sparse import SparsePostings, SparseRows
from citebot.index.retrieval.translation import extended_tables, translation_tables

words = st.sampled_from(["蒙古", "大使", "召回", "a", "b", "Ö", "", "x y", "new"])
fields = st.dictionaries(st.sampled_from(["zh", "en", "ko"]), st.lists(words, max_size=10), max_size=3)
chunks = st.lists(fields, max_size=30)


@settings(max_examples=200, deadline=None)
@given(
    chunks,
    st.lists(st.lists(fields, min_size=1, max_size=10), min_size=1, max_size=3),
    st.lists(words, max_size=4),
    st.sampled_from(["zh", "en"]),
)
def test_extended_lexical_index_scores_as_one_built_from_every_chunk(base, parts, query, field):
    """Appended parts stay segments of their own (nothing of the base is copied), scored with the
    whole collection's statistics; one to three appends in a row."""
    every = base + [chunk for part in parts for chunk in part]
    whole = LexicalIndex(every)
    extended, size = LexicalIndex(base), len(base)
    for part in parts:
        extended, size = extended.extended(LexicalIndex(part), size, len(part)), size + len(part)
    asked = {field: query}
    assert np.allclose(extended.scores(asked, size), whole.scores(asked, size), rtol=1e-5, atol=1e-6)
    chosen = np.arange(0, size, 3)
    assert np.allclose(extended.scores_of(asked, chosen), whole.scores(asked, size)[chosen], rtol=1e-5, atol=1e-6)
    assert np.isclose(extended.ceiling(asked), whole.ceiling(asked))
    # Small collections: every posting is its term's head, so candidates are every row holding a term.
    assert sorted(extended.candidates(asked, size).tolist()) == np.flatnonzero(whole.scores(asked, size)).tolist()
    mine, theirs = extended.postings().get(field, {}), whole.postings().get(field, {})
    for term in query:
        assert (term in mine) == (term in theirs)
        assert mine.get(term) == theirs.get(term)  # (row, count) pairs, what evidence checks read
    bags = [{f: sorted(ts) for f, ts in c.items() if ts} for c in every]
    assert [{f: sorted(ts) for f, ts in c.items()} for c in extended.terms_by_chunk(size)] == bags


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3 * 2**BLOCK_BITS)), max_size=40, unique=True),
    st.lists(st.tuples(st.integers(0, 8), st.integers(0, 2**BLOCK_BITS)), min_size=1, max_size=40, unique=True),
)
def test_extended_posting_rows_are_those_packed_at_once_across_blocks(base, added):
    """Rows past 65,536 chunks live in other blocks; appended rows may open a new block."""
    base_size = 3 * 2**BLOCK_BITS + 1
    size = base_size + 2**BLOCK_BITS + 1
    old = sorted(base)
    new = sorted((term, base_size + row) for term, row in added)
    whole = sorted(old + new)
    ids, rows = (np.array([p[i] for p in whole], dtype=np.int64) for i in (0, 1))
    packed = PackedRows(ids, rows, 9, size)
    old_ids, old_rows = (np.array([p[i] for p in old], dtype=np.int64) for i in (0, 1))
    new_ids, new_rows = (np.array([p[i] for p in new], dtype=np.int64) for i in (0, 1))
    extended, _ = PackedRows(old_ids, old_rows, 6, base_size).extended(new_ids, new_rows, 9, size)
    assert extended.blocks == packed.blocks
    assert extended.low.tolist() == packed.low.tolist()
    assert extended.starts.tolist() == packed.starts.tolist()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(words, max_size=8), max_size=40), st.lists(st.lists(words, max_size=8), min_size=1, max_size=20)
)
def test_heads_of_the_terms_an_append_holds_are_chosen_again(base, added):
    """A term the appended chunks hold gets the heads a full build gives it; heads are small here."""
    per_term = 3
    whole = BM25.from_documents(base + added)
    old = BM25.from_documents(base)
    old.heads = HeadPostings.build(old, per_term)
    merged = old.extended(BM25.from_documents(added))
    touched = np.unique([merged.vocabulary[t] for chunk in added for t in chunk]).astype(np.int64)
    heads = old.heads.extended(merged, touched, per_term)
    full = HeadPostings.build(whole, per_term)
    for term in {t for chunk in added for t in chunk}:
        assert _head(heads, merged.vocabulary[term]) == _head(full, whole.vocabulary[term]), term


def _head(heads: HeadPostings, term: int) -> list[int] | None:
    at = np.flatnonzero(heads.terms == term)
    if not len(at):
        return None
    return heads.rows[heads.offsets[at[0]] : heads.offsets[at[0] + 1]].tolist()


def _rows(draw_rows: list[list[tuple[int, float]]]) -> SparseRows:
    width = 6
    indices = np.full((len(draw_rows), width), -1, dtype=np.int32)
    weights = np.zeros((len(draw_rows), width), dtype=np.float32)
    for r, pairs in enumerate(draw_rows):
        for c, (term, weight) in enumerate(dict(pairs).items()):
            indices[r, c], weights[r, c] = term, weight
    return SparseRows(indices, weights)


sparse_rows = st.lists(st.lists(st.tuples(st.integers(0, 9), st.floats(0.01, 1.0)), max_size=6), max_size=25)


@settings(max_examples=150, deadline=None)
@given(sparse_rows, sparse_rows.filter(len))
def test_merged_latent_term_postings_keep_each_terms_heaviest_rows(base, added):
    old, new = _rows(base).compact(4), _rows(added)
    stacked = old.stacked(new)
    full = SparsePostings.build(stacked, 10, per_term=3)
    merged = SparsePostings.build(old, 10, per_term=3).merged(
        SparsePostings.build(stacked.rows_from(len(base)), 10, per_term=3), len(base), per_term=3
    )
    assert merged.offsets.tolist() == full.offsets.tolist()
    for term in range(10):
        span = slice(full.offsets[term], full.offsets[term + 1])
        assert sorted(merged.weights[span].tolist()) == sorted(full.weights[span].tolist())


vocabulary = st.sets(
    st.sampled_from(
        [
            "大使",
            "召回",
            "朝鲜",
            "韩国",
            "蒙古",
            "电影",
            "间谍",
            "译员",
            "叛逃",
            "经济",
            "中立",
            "外交",
            "使馆",
            "大使馆",
        ]
    )
)


@settings(max_examples=100, deadline=None)
@given(vocabulary, vocabulary)
def test_extended_translation_tables_are_those_of_the_whole_vocabulary(base, added):
    assert extended_tables(translation_tables(base), added) == translation_tables(base | added)


def test_a_segment_whose_vocabulary_keeps_a_term_without_postings_scores_nothing_for_it():
    base = LexicalIndex([{"zh": ["蒙古"]}, {"zh": ["大使"]}])
    emptied = BM25.from_triples({"蒙古": 0, "召回": 1}, np.array([0]), np.array([0]), np.array([1]), np.ones(1))
    extended = LexicalIndex(fields={"zh": base.fields["zh"]}).extended(LexicalIndex(fields={"zh": emptied}), 2, 1)
    asked = {"zh": ["召回", "蒙古"]}
    assert extended.scores_of(asked, np.arange(3)).tolist() == pytest.approx(extended.scores(asked, 3).tolist())
