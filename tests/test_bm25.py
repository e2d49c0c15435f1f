"""BM25 as the textbook defines it, whatever the documents: the numpy postings must agree with it."""

import io
import json
import math
from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from citebot.index.retrieval.lexical import BM25, K1, B, LexicalIndex
from citebot.index.storage import shapes

words = st.sampled_from(["蒙古", "大使", "召回", "a", "b", "Ö", "", "x y"])
documents = st.lists(st.lists(words, max_size=12), max_size=30)


def textbook(documents: list[list[str]], query: list[str]) -> list[float]:
    average = (sum(map(len, documents)) / len(documents)) if documents and any(documents) else 1.0
    scores = []
    for document in documents:
        counts, score = Counter(document), 0.0
        for term in set(query):
            holding = sum(term in d for d in documents)
            if counts[term]:
                idf = math.log(1 + (len(documents) - holding + 0.5) / (holding + 0.5))
                norm = K1 * (1 - B + B * len(document) / average)
                score += idf * counts[term] * (K1 + 1) / (counts[term] + norm)
        scores.append(score)
    return scores


@settings(max_examples=200, deadline=None)
@given(documents, st.lists(words | st.just("unknown"), max_size=5))
def test_bm25_scores_are_the_textbook_ones(documents, query):
    bm25 = BM25.from_documents(documents)
    assert np.allclose(bm25.scores(query), textbook(documents, query), rtol=1e-5, atol=1e-6)
    chosen = np.arange(0, len(documents), 2)
    assert np.allclose(bm25.scores_of(query, chosen), bm25.scores(query)[chosen], rtol=1e-6)


@settings(max_examples=200, deadline=None)
@given(documents)
def test_postings_list_each_holding_row_once_with_its_count(documents):
    bm25 = BM25.from_documents(documents)
    for term in {t for d in documents for t in d}:
        rows, counts = bm25.postings_of(term)
        expected = [(row, d.count(term)) for row, d in enumerate(documents) if term in d]
        assert list(zip(rows.tolist(), counts.astype(int).tolist(), strict=True)) == expected


@settings(max_examples=100, deadline=None)
@given(documents, st.randoms(use_true_random=False))
def test_postings_do_not_depend_on_the_order_triples_come_in(documents, random):
    built = BM25.from_documents(documents)
    triples = [
        (built.vocabulary[term], row, count) for row, d in enumerate(documents) for term, count in Counter(d).items()
    ]
    random.shuffle(triples)
    ids, rows, counts = np.array(triples, dtype=np.int64).reshape(-1, 3).T
    lengths = np.array([len(d) for d in documents], dtype=np.float32)
    shuffled = BM25.from_triples(built.vocabulary, ids, rows, counts, lengths)
    for term in built.vocabulary:
        assert [a.tolist() for a in shuffled.postings_of(term)] == [a.tolist() for a in built.postings_of(term)]


fields = st.lists(st.dictionaries(st.sampled_from(["zh", "en", "ko"]), st.lists(words, max_size=8)), max_size=20)


def stored_and_read(vocabularies: dict, arrays: dict, size: int, packed: bool) -> LexicalIndex:
    """Through the files a generation holds: lexical.npz and lexical_terms.json, shape-checked."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return shapes.lexical(buffer.getvalue(), json.dumps(vocabularies).encode(), size, packed=packed)


@given(fields, st.lists(words, max_size=4))
def test_stored_postings_read_back_as_the_same_index(chunks, query):
    # What a generation stores (store.py; format 6 as triples) and what a rebuild reuses for unchanged
    # chunks (build.py).
    index = LexicalIndex(chunks)
    asked = {"zh": query, "en": query, "ko": query}
    for again in (
        stored_and_read(*index.arrays(), len(chunks), packed=True),
        stored_and_read(*index.triples(), len(chunks), packed=False),
    ):
        np.testing.assert_array_equal(again.scores(asked, len(chunks)), index.scores(asked, len(chunks)))
        found, expected = again.candidates(asked, 5), index.candidates(asked, 5)
        assert sorted(found.tolist()) == sorted(expected.tolist())
        bags = again.terms_by_chunk(len(chunks))
        assert [{f: Counter(t) for f, t in b.items()} for b in bags] == [
            {f: Counter(t) for f, t in c.items() if t} for c in chunks
        ]
