"""The live collection: answers questions from the current index and swaps in rebuilt ones."""

from __future__ import annotations

import functools
import logging
import os
import threading
from dataclasses import replace
from pathlib import Path

from citebot.index.answering.answer import Answer
from citebot.index.answering.cache import AnswerCache
from citebot.index.answering.compose import compose
from citebot.index.corpus.documents import DocumentInfo
from citebot.index.corpus.limits import DEFAULT_LIMITS, DocumentLimits
from citebot.index.corpus.text import well_formed
from citebot.index.retrieval import terms
from citebot.index.retrieval.embedding import Embedder, make_embedder, package_of
from citebot.index.retrieval.search import Reranker, Retrieval, Searcher
from citebot.index.storage import build, heap, store
from citebot.index.storage.build import BuildReport, Progress, build_index

log = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 1000


class ReindexInProgress(RuntimeError):
    """A rebuild is already running, in this process or another."""


class Library:
    """Thread-safe: answer() may run in many threads while reindex() runs in another."""

    def __init__(
        self,
        data_dir: Path,
        index_dir: Path,
        embedder: Embedder,
        threshold: float | None = None,
        reranker: Reranker | None = None,
        limits: DocumentLimits = DEFAULT_LIMITS,
        answers: AnswerCache | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.limits = limits
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.reranker = reranker
        self.threshold = threshold
        self._searcher: Searcher | None = None
        self._unloadable: str | None = None
        self._build_lock = threading.Lock()
        self._stop_building = threading.Event()
        self.answers = answers if answers is not None else AnswerCache()

    @classmethod
    def open(
        cls,
        data_dir: Path,
        index_dir: Path,
        embedder: Embedder | None = None,
        rebuild_if_unusable: bool = True,
        reranker: Reranker | None = None,
        progress: Progress | None = None,
        limits: DocumentLimits = DEFAULT_LIMITS,
        answers: AnswerCache | None = None,
        rebuild_if_outdated: bool = True,
    ) -> Library:
        """Load the live index; build it when there is none (or, if allowed, when it is corrupt or was
        built by an older recipe: its terms would no longer meet the questions' terms)."""
        library = cls(
            data_dir, index_dir, embedder or make_embedder(), reranker=reranker, limits=limits, answers=answers
        )
        try:
            library._load()
        except store.IndexMissing:
            log.info("no index in %s yet; building it from %s", index_dir, data_dir)
            library.reindex(progress)
        except store.IndexCorrupt as exc:
            if not rebuild_if_unusable:
                raise
            log.warning("%s; rebuilding it from %s", exc.reason, data_dir)
            library.reindex(progress)
            return library
        if rebuild_if_outdated and (parts := library.outdated()):
            log.info("the index was built with an older %s; rebuilding it from %s", " and ".join(parts), data_dir)
            try:
                library.reindex(progress)
            except ReindexInProgress as exc:  # another process is rebuilding it: answer from the old one
                log.warning("%s; answering from the index built with the older %s", exc, " and ".join(parts))
        return library

    @property
    def searcher(self) -> Searcher:
        """The searcher over the live generation, following rebuilds made by other processes.

        If a new generation cannot be loaded, the one in memory keeps answering.
        """
        live = self._live_generation()
        stale = self._searcher is None or (live and live != self._searcher.generation)
        if stale and live != self._unloadable:
            try:
                self._load()
            except (store.IndexMissing, store.IndexCorrupt) as exc:
                if self._searcher is None:
                    raise
                self._unloadable = live
                log.error("%s; still answering from %s", exc, self._searcher.generation)
        assert self._searcher is not None
        return self._searcher

    def outdated(self) -> list[str]:
        """What of the live generation's recipe (chunker, terms, translation) this code makes differently."""
        return build.outdated(self.manifest)

    @property
    def manifest(self) -> dict:
        return self.searcher.stored.manifest

    def retrieve(self, question: str, k: int = 3, doc: str | None = None) -> Retrieval:
        return self.searcher.search(well_formed(question)[:MAX_QUESTION_CHARS], k=k, doc=doc)

    def answer(self, question: str, doc: str | None = None, context: str | None = None, k: int = 3) -> Answer:
        """Answer question with up to k excerpts; `context` is the earlier question a follow-up replies to.

        A follow-up is answered on its own when the documents answer it firmly so (a new question in
        reply to an answer); else the reading with its context wins if the documents answer it
        better ("and in which year?" needs the context).
        """
        question = well_formed(question).strip()
        context = well_formed(context) if context else context
        if not question:
            return Answer(question=question, answered=False)
        searcher = self.searcher  # one generation for the whole answer, even if a rebuild lands meanwhile
        key = (*AnswerCache.key(question, doc, context, searcher.generation), k)
        cached = self.answers.get(key)
        if cached is not None:
            return replace(cached, question=question)
        answer = self._answer(searcher, question, doc, context, k)
        self.answers.put(key, answer)
        return answer

    def _answer(self, searcher: Searcher, question: str, doc: str | None, context: str | None, k: int) -> Answer:
        """A question the documents answer firmly on its own is answered so, even in reply to an
        earlier answer: there it is a new question, and the earlier one would pull it back to the
        earlier topic (on the development questions, 39 of 106 such pairs got a wrong first excerpt,
        2 a better one). Otherwise the reading with the context wins if the documents answer it better."""
        answer = functools.partial(
            compose,
            question,
            embedder=self.embedder,
            threshold=self.threshold,
            sentence_vectors=searcher.sentence_vectors,
        )
        alone = searcher.search(question[:MAX_QUESTION_CHARS], k=k, doc=doc)
        answered = answer(alone)
        if not context or answered.answered:
            return answered
        with_context = searcher.search(f"{context.strip()} {question}"[:MAX_QUESTION_CHARS], k=k, doc=doc)
        return answer(with_context) if with_context.relevance.score > alone.relevance.score else answered

    def documents(self) -> list[DocumentInfo]:
        fields = DocumentInfo.__dataclass_fields__
        return [DocumentInfo(**{k: v for k, v in d.items() if k in fields}) for d in self.manifest.get("documents", [])]

    def reindex(self, progress: Progress | None = None) -> BuildReport:
        """Build a new generation and switch to it; the old one keeps answering meanwhile."""
        if not self._build_lock.acquire(blocking=False):
            raise ReindexInProgress("a reindex is already running")
        try:
            before = self._searcher  # questions may swap in another process's generation meanwhile
            loaded = before.stored if before else None
            try:
                report = build_index(
                    self.data_dir, self.index_dir, self.embedder, progress, self.limits, self._stop_building, loaded
                )
            except store.BuildInProgress as exc:
                raise ReindexInProgress(str(exc)) from exc
            finally:
                terms.release_dictionaries()
            if report.collection is not None:  # appended in memory: the collection is not read again
                earlier = before if loaded is not None and report.appended_to == loaded.path else None
                self._use(report.collection, earlier=earlier)
            else:
                self._load()
            before = loaded = earlier = None  # the replaced collection goes now, and with it the build's garbage
            heap.trim()
            return report
        finally:
            self._build_lock.release()

    def abandon_builds(self) -> None:
        """Stops a running rebuild at its next checkpoint and refuses new ones; answering goes on."""
        self._stop_building.set()

    def _load(self) -> None:
        stored = store.load(self.index_dir)
        if stored.manifest.get("model") != self.embedder.name:
            raise store.IndexCorrupt(
                f"index at {stored.path} was built with {stored.manifest.get('model')!r} but the configured "
                f"model is {self.embedder.name!r}"
            )
        if stored.manifest.get("embedder_package") != package_of(self.embedder):
            raise store.IndexCorrupt(
                f"index at {stored.path} was built with {stored.manifest.get('embedder_package')!r} but "
                f"{package_of(self.embedder)!r} is installed"
            )
        self._use(stored)
        heap.trim()  # what loading read and checked, and any collection this one replaced

    def _use(self, stored: store.StoredIndex, earlier: Searcher | None = None) -> None:
        self._searcher = Searcher(stored, self.embedder, self.reranker, earlier=earlier)  # one swap: atomic
        self.answers.clear()  # answers of the old generation are unreachable anyway: free them

    def _live_generation(self) -> str | None:
        try:
            return Path(os.readlink(self.index_dir / "current")).name
        except OSError:
            return None
