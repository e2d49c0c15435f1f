"""The dense index of a collection with appended parts: the base's FAISS index and each part's,
searched as one. Appending in the running bot then shares the base, which the collection it replaces
goes on answering from, instead of copying it to add the new vectors (0.4 GB at a million chunks);
loading an appended generation leaves the base as read. faiss.IndexShards searches shards but cannot
give their vectors back, which the fused ranking needs, so this is a small class of its own."""

from __future__ import annotations

from collections.abc import Sequence

import faiss
import numpy as np

from citebot.index.row_blocks import by_block


class DenseShards:
    def __init__(self, shards: Sequence[faiss.Index | DenseShards]) -> None:
        self.shards: tuple[faiss.Index, ...] = tuple(s for shard in shards for s in shards_of(shard))
        self.offsets = np.cumsum([0, *(s.ntotal for s in self.shards)]).astype(np.int64)
        self.ntotal = int(self.offsets[-1])
        self.d = int(self.shards[0].d)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Each shard's k best, merged: similarities and collection rows, best first (-1 past the end)."""
        found = [
            (similarity, np.where(rows >= 0, rows + offset, -1))
            for shard, offset in zip(self.shards, self.offsets, strict=False)
            if shard.ntotal
            for similarity, rows in [shard.search(queries, min(k, shard.ntotal))]
        ]
        similarity = np.hstack([f[0] for f in found])
        rows = np.hstack([f[1] for f in found])
        order = np.argsort(-similarity, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(similarity, order, axis=1), np.take_along_axis(rows, order, axis=1)

    def reconstruct_batch(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        vectors = np.empty((len(rows), self.d), dtype=np.float32)
        for shard, within, local in by_block(self.offsets, rows):
            vectors[within] = self.shards[shard].reconstruct_batch(local)
        return vectors

    def reconstruct_n(self, start: int, count: int) -> np.ndarray:
        return self.reconstruct_batch(np.arange(start, start + count))


def shards_of(index: faiss.Index | DenseShards) -> tuple[faiss.Index, ...]:
    """The FAISS indexes a dense index is made of: its shards, or itself."""
    return index.shards if isinstance(index, DenseShards) else (index,)
