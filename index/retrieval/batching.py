"""One forward pass at a time, and the questions that arrive meanwhile share the next one.

The model already spreads a single pass over every core, so two passes at once only slow each
other down (their OpenMP threads fight for the same cores). Callers queue their texts; whoever
holds the model encodes everything queued in one call (flat combining), so a lone question waits
for nothing and a burst of questions costs far fewer, larger passes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from citebot.index.retrieval.embedding import BATCH, Embedder, package_of
from citebot.index.retrieval.sparse import SparseRows

MAX_TEXTS_PER_PASS = 64


WAIT_SLICE_SECONDS = 0.005


@dataclass
class _Request:
    kind: str
    texts: list[str]
    result: Any = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)


class SharedModel:
    """An embedder safe to call from many threads at once, batching concurrent queries."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.name = embedder.name
        self.package = package_of(embedder)
        self.dim = embedder.dim
        self.sparse_dim = int(getattr(embedder, "sparse_dim", 0))
        self._model = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: list[_Request] = []

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._combined("queries", texts)

    def embed_sparse(self, texts: list[str]) -> SparseRows:
        """Latent terms; a long list (a rebuild) goes a batch at a time, so questions get in between."""
        parts = [self._combined("sparse", texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return SparseRows.empty()
        return SparseRows(np.vstack([p.indices for p in parts]), np.vstack([p.weights for p in parts]))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Passages (a rebuild) a batch at a time, so questions keep being answered in between."""
        parts = []
        for start in range(0, len(texts), BATCH):
            with self._model:
                self._encode_queued()  # questions that arrived during the last batch go first
                parts.append(self.embedder.embed_passages(texts[start : start + BATCH]))
        return np.vstack(parts) if parts else self.embedder.embed_passages([])

    def _combined(self, kind: str, texts: list[str]) -> Any:
        request = _Request(kind, list(texts))
        with self._queue_lock:
            self._queue.append(request)
        # Whoever holds the model encodes what is queued before letting go, so a caller needs the
        # model only when nobody holds it; otherwise it waits for its request to be done. (Waiting
        # for the lock instead could starve it: a rebuild takes the lock back batch after batch.)
        while not request.done.is_set():
            if self._model.acquire(blocking=False):
                try:
                    self._encode_queued()
                finally:
                    self._model.release()
            else:
                request.done.wait(WAIT_SLICE_SECONDS)
        if request.error is not None:
            raise request.error
        return request.result

    def _encode_queued(self) -> None:
        """Encodes everything queued (MAX_TEXTS_PER_PASS texts per pass); the caller holds the model."""
        while True:
            with self._queue_lock:
                queued, self._queue = self._queue[:MAX_TEXTS_PER_PASS], self._queue[MAX_TEXTS_PER_PASS:]
            if not queued:
                return
            for kind in ("queries", "sparse"):
                requests = [r for r in queued if r.kind == kind]
                if requests:
                    self._encode(kind, requests)

    def _encode(self, kind: str, requests: list[_Request]) -> None:
        texts = [text for r in requests for text in r.texts]
        try:
            if kind == "queries":
                output = self.embedder.embed_queries(texts)
            else:
                output = self.embedder.embed_sparse(texts)  # type: ignore[attr-defined]
        except BaseException as exc:  # every waiting caller gets the failure, none hangs
            for r in requests:
                r.error = exc
                r.done.set()
            return
        start = 0
        for r in requests:
            end = start + len(r.texts)
            r.result = output[start:end] if kind == "queries" else _sparse_slice(output, start, end)
            r.done.set()
            start = end


def _sparse_slice(rows: Any, start: int, end: int) -> SparseRows:
    return SparseRows(rows.indices[start:end], rows.weights[start:end])
