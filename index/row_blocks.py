"""Blocks of rows read as one matrix without copying them together: a generation's memory-mapped
rows (sentence vectors, latent terms), then those of documents appended in memory. Copying them
together would turn a million chunks' mapped pages, which the kernel can drop, into memory of the
process's own."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

import numpy as np


class RowBlocks:
    def __init__(self, blocks: Sequence[np.ndarray | RowBlocks]) -> None:
        self.blocks: tuple[np.ndarray, ...] = tuple(
            b for block in blocks for b in (block.blocks if isinstance(block, RowBlocks) else [block])
        )
        self.bounds = np.cumsum([0, *map(len, self.blocks)])
        self.shape = (int(self.bounds[-1]), self.blocks[0].shape[1])
        self.dtype = self.blocks[0].dtype

    def __len__(self) -> int:
        return self.shape[0]

    @overload
    def __getitem__(self, rows: np.ndarray | int) -> np.ndarray: ...

    @overload
    def __getitem__(self, rows: slice) -> np.ndarray | RowBlocks: ...

    def __getitem__(self, rows: np.ndarray | int | slice) -> np.ndarray | RowBlocks:
        if isinstance(rows, slice):
            return self.between(*rows.indices(len(self)))
        rows = np.asarray(rows, dtype=np.int64)
        found = np.empty((*rows.shape, self.shape[1]), dtype=self.dtype)
        for block, within, local in by_block(self.bounds, rows):
            found[within] = self.blocks[block][local]
        return found

    def between(self, start: int, stop: int, step: int = 1) -> np.ndarray | RowBlocks:
        """Rows start to stop: a view of one block, or the blocks they span."""
        if step != 1:
            return self[np.arange(start, stop, step)]
        parts = [
            block[max(start - low, 0) : max(min(stop, high) - low, 0)]
            for block, low, high in zip(self.blocks, self.bounds[:-1], self.bounds[1:], strict=True)
            if low < stop and high > start
        ]
        if not parts:
            return self.blocks[0][:0]
        return parts[0] if len(parts) == 1 else RowBlocks(parts)

    def astype(self, dtype) -> np.ndarray:
        return np.asarray(self).astype(dtype)

    @property
    def nbytes(self) -> int:
        return sum(b.nbytes for b in self.blocks)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        whole = np.vstack(self.blocks)
        return whole if dtype is None else whole.astype(dtype)


def by_block(bounds: np.ndarray, rows: np.ndarray) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Rows of a whole made of blocks that start at `bounds` (ending with the total), grouped by
    block: each block that holds some, which of the rows those are, and their numbers in the block."""
    block_of = np.searchsorted(bounds, rows, side="right") - 1
    for block in np.unique(block_of):
        within = block_of == block
        yield int(block), within, rows[within] - bounds[block]
