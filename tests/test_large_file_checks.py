"""Files of a large collection are checked a block at a time, and damage past the first block is still found.

A million-chunk collection's sentence vectors are 2 GB; checking them whole held the file's pages and a
same-sized temporary at once (3 GB at load). shapes checks such arrays in blocks (shapes.CHECKED_BYTES),
so these arrays span several blocks and are damaged in the last one.
"""

from __future__ import annotations

import io
import mmap
from pathlib import Path

import numpy as np
import pytest

from citebot.index.retrieval.sparse import PAD
from citebot.index.storage import shapes
from citebot.index.storage.shapes import ShapeError

DIMENSION = 384
ROWS = 3 * shapes.CHECKED_BYTES // (DIMENSION * 4) + 17  # past three blocks


def mapped(path: Path, array: np.ndarray) -> mmap.mmap:
    np.save(path, array)
    with open(path, "rb") as file:
        return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)


def rows_blob(windows: int, rows: int) -> bytes:
    out = io.BytesIO()
    np.savez(out, offsets=np.linspace(0, rows, windows + 1).astype(np.int64), rows=np.arange(rows, dtype=np.int64))
    return out.getvalue()


@pytest.fixture(scope="module")
def sentence_vectors() -> np.ndarray:
    vectors = np.random.default_rng(0).standard_normal((ROWS, DIMENSION), dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_sentence_vectors_over_several_blocks_are_read_in_place(tmp_path, sentence_vectors):
    file = mapped(tmp_path / "sentences.npy", sentence_vectors)
    read = shapes.sentences(file, rows_blob(100, ROWS), DIMENSION, 100)
    assert np.array_equal(np.asarray(read.vectors[-3:]), sentence_vectors[-3:])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_bad_sentence_vector_in_the_last_block_is_refused(tmp_path, sentence_vectors, bad):
    damaged = sentence_vectors.copy()
    damaged[-1, 5] = bad
    file = mapped(tmp_path / "sentences.npy", damaged)
    with pytest.raises(ShapeError, match="NaN or infinity"):
        shapes.sentences(file, rows_blob(100, ROWS), DIMENSION, 100)


def latent_terms(chunks: int, terms: int = 48) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return rng.integers(0, 4096, (chunks, terms), dtype=np.uint16), rng.random((chunks, terms), dtype=np.float32)


LATENT_CHUNKS = 2 * shapes.CHECKED_BYTES // (48 * 2) + 5


def sparse_file(path: Path, indices: np.ndarray, weights: np.ndarray) -> mmap.mmap:
    with open(path, "wb") as out:
        np.savez(
            out,
            indices=indices,
            weights=weights.astype(np.float16),
            background_indices=np.full((2, 48), PAD, dtype=np.uint16),
            background_weights=np.zeros((2, 48), dtype=np.float16),
        )
    with open(path, "rb") as file:
        return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)


def test_latent_terms_damaged_in_the_last_block_are_refused(tmp_path):
    indices, weights = latent_terms(LATENT_CHUNKS)
    rows, _ = shapes.sparse(sparse_file(tmp_path / "fine.npz", indices, weights), 4096, LATENT_CHUNKS, 2)
    assert np.array_equal(np.asarray(rows.indices[-1]), indices[-1])

    out_of_range = indices.copy()
    out_of_range[-1, 0] = 5000
    with pytest.raises(ShapeError, match="index out of range"):
        shapes.sparse(sparse_file(tmp_path / "range.npz", out_of_range, weights), 4096, LATENT_CHUNKS, 2)

    not_finite = weights.copy()
    not_finite[-1, 3] = np.inf
    with pytest.raises(ShapeError, match="NaN or infinity"):
        shapes.sparse(sparse_file(tmp_path / "finite.npz", indices, not_finite), 4096, LATENT_CHUNKS, 2)
