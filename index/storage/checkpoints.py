"""Builds that can be abandoned: the model is where a build spends its time, so it is asked to stop
between batches. Abandoning leaves the live index as it was, since nothing is written before the
last model call."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from citebot.index.retrieval.embedding import BATCH, Embedder
from citebot.index.retrieval.sparse import SparseRows


class BuildAbandoned(RuntimeError):
    """The build stopped at a checkpoint because it was asked to; the live index is unchanged."""


class Checkpointed:
    """An embedder that checks `stop` before each batch and raises BuildAbandoned once it is set."""

    def __init__(self, embedder: Embedder, stop: threading.Event) -> None:
        self._embedder = embedder
        self._stop = stop
        # Whole batches of the embedder, so the vectors are exactly those of one big call: one batch
        # for each of its model threads (index/retrieval/batching.py), which encode them side by side.
        self.texts_per_checkpoint = BATCH * int(getattr(embedder, "threads", 1))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._embedder, name)

    def check(self) -> None:
        if self._stop.is_set():
            raise BuildAbandoned("the build was abandoned; the live index is unchanged")

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._batched(texts, self._embedder.embed_queries, np.vstack)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._batched(texts, self._embedder.embed_passages, np.vstack)

    def embed_sparse(self, texts: list[str]) -> SparseRows:
        return self._batched(texts, self._embedder.embed_sparse, stack_rows)  # type: ignore[attr-defined]

    def _batched(self, texts: list[str], encode: Callable[[list[str]], Any], join: Callable[[list], Any]) -> Any:
        self.check()
        step = self.texts_per_checkpoint
        if len(texts) <= step:
            return encode(texts)
        parts = []
        for start in range(0, len(texts), step):
            self.check()
            parts.append(encode(texts[start : start + step]))
        return join(parts)


def stack_rows(parts: list[SparseRows]) -> SparseRows:
    return SparseRows(np.vstack([p.indices for p in parts]), np.vstack([p.weights for p in parts]))
