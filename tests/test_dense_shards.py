"""The dense index of an appended collection: the base's FAISS index and each part's, searched as
one. Flat shards rank exactly as one flat index over every vector; rows and vectors come back as
the collection numbers them."""

from __future__ import annotations

import faiss
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from citebot.index.storage import store
from citebot.index.storage.dense_shards import DenseShards


def unit(rng: np.random.Generator, rows: int, dimension: int = 16) -> np.ndarray:
    vectors = rng.standard_normal((rows, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=4), st.integers(1, 60), st.integers(0, 2**31))
def test_flat_shards_rank_as_one_flat_index(sizes, k, seed):
    rng = np.random.default_rng(seed)
    parts = [unit(rng, size) for size in sizes]
    shards = DenseShards([store.dense_index(p) for p in parts[:1]])
    for part in parts[1:]:
        shards = DenseShards([shards, store.dense_index(part)])
    whole = np.vstack(parts)
    queries = unit(rng, 3)
    similarity, rows = store.dense_search(shards, queries, k)
    expected_similarity, _ = store.dense_search(store.dense_index(whole), queries, k)
    assert rows.shape == (3, min(k, len(whole))) and shards.ntotal == len(whole)
    assert np.allclose(similarity, expected_similarity, atol=1e-5)
    assert np.allclose(similarity, np.einsum("qd,qkd->qk", queries, whole[rows]), atol=1e-5)
    picked = rng.integers(0, len(whole), 7)
    assert np.allclose(shards.reconstruct_batch(picked), whole[picked])
    assert np.allclose(shards.reconstruct_n(0, len(whole)), whole)


def test_an_inverted_file_base_with_a_flat_part_finds_the_parts_rows_and_keeps_the_base_unchanged():
    rng = np.random.default_rng(1)
    base_vectors = unit(rng, store.EXACT_UP_TO + 500)
    base = store.dense_index(base_vectors)
    part_vectors = unit(rng, 20)
    shards = DenseShards([base, store.dense_index(part_vectors)])
    assert isinstance(base, faiss.IndexIVF) and base.ntotal == len(base_vectors)
    assert store.describe(shards).startswith("IVF") and store.describe(shards).endswith(" + Flat")
    _, rows = store.dense_search(shards, part_vectors[:5], 3)
    assert rows[:, 0].tolist() == list(range(len(base_vectors), len(base_vectors) + 5))
    assert np.allclose(shards.reconstruct_batch(np.array([len(base_vectors) + 2])), part_vectors[2:3])
