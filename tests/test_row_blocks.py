"""Blocks of rows read as one matrix (appended sentence vectors and latent terms): any rows, any
slice, any dtype read what the matrix copied together would."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from citebot.index.row_blocks import RowBlocks

DTYPES = (np.float32, np.float16, np.uint16, np.int32)


@st.composite
def blocks(draw) -> list[np.ndarray]:
    dtype = draw(st.sampled_from(DTYPES))
    width = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 6), min_size=1, max_size=4))
    start = 0
    made = []
    for size in sizes:
        made.append(np.arange(start * width, (start + size) * width).reshape(size, width).astype(dtype))
        start += size
    return made


@settings(max_examples=200, deadline=None)
@given(blocks(), st.data())
def test_rows_and_slices_read_as_the_whole_matrix(parts, data):
    whole = np.vstack(parts)
    rows = RowBlocks(parts)
    assert len(rows) == len(whole) and rows.shape == whole.shape and rows.dtype == whole.dtype
    picked = data.draw(st.lists(st.integers(0, len(whole) - 1), max_size=8))
    assert np.array_equal(rows[np.array(picked, dtype=np.int64)], whole[picked])
    assert rows[np.array(picked, dtype=np.int64)].dtype == whole.dtype
    one = data.draw(st.integers(0, len(whole) - 1))
    assert np.array_equal(rows[one], whole[one])
    start = data.draw(st.integers(-len(whole) - 2, len(whole) + 2))
    stop = data.draw(st.integers(-len(whole) - 2, len(whole) + 2))
    assert np.array_equal(np.asarray(rows[start:stop]), whole[start:stop])
    assert np.array_equal(np.asarray(rows[start:stop:2]), whole[start:stop:2])
    assert np.array_equal(np.asarray(rows), whole) and rows.nbytes == whole.nbytes


def test_blocks_of_blocks_are_flattened_and_a_slice_within_one_block_is_a_view():
    a, b, c = (np.full((2, 3), n, dtype=np.uint16) for n in range(3))
    rows = RowBlocks([RowBlocks([a, b]), c])
    assert len(rows.blocks) == 3
    inside = rows[4:6]
    assert isinstance(inside, np.ndarray) and np.shares_memory(inside, c)
