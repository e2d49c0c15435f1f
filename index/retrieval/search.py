"""Hybrid retrieval: dense similarity from FAISS plus BM25 in the question's language field."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial
from typing import Protocol

import numpy as np

from citebot.index.answering.evidence import Unmatched, unmatched
from citebot.index.answering.relevance import Relevance, assess
from citebot.index.corpus.chunking import Chunk
from citebot.index.corpus.text import script_of
from citebot.index.retrieval import glossary, korean_grammar
from citebot.index.retrieval.embedding import Embedder, sparse_rows
from citebot.index.retrieval.fusion import EXACT_UP_TO, HybridIndex, Legs, Question
from citebot.index.retrieval.neighbours import NEIGHBOURS, NeighbourReader
from citebot.index.retrieval.prior import prior
from citebot.index.retrieval.sparse import SparseRows
from citebot.index.retrieval.terms import query_terms
from citebot.index.retrieval.translation import QueryTranslator
from citebot.index.storage.store import StoredIndex

RERANK_CANDIDATES = 10
PARAGRAPHS_CACHED = 4096  # short paragraphs rebuilt from their windows, kept for the next questions
MAX_PARAGRAPH_EXCERPT_CHARS = 360


@dataclass(frozen=True)
class Hit:
    chunk: Chunk  # what is shown: the matching window, or its whole paragraph when short
    score: float
    window: Chunk  # the sentence window that matched best


@dataclass(frozen=True)
class Retrieval:
    hits: list[Hit]
    relevance: Relevance
    query: np.ndarray
    unmatched: Unmatched = field(default_factory=Unmatched)  # what of the question the collection lacks


class Reranker(Protocol):
    def scores(self, question: str, passages: list[str]) -> list[float]: ...


class Searcher:
    def __init__(
        self,
        stored: StoredIndex,
        embedder: Embedder,
        reranker: Reranker | None = None,
        exact_up_to: int = EXACT_UP_TO,
        earlier: Searcher | None = None,
    ) -> None:
        """`earlier`: a searcher over the first chunks of `stored`, before documents were appended;
        what depends on single chunks (paragraphs, documents' rows, the prior) is kept from it and
        made for the appended chunks only."""
        self.stored = stored
        self.embedder = embedder
        self.reranker = reranker
        self.chunks = stored.chunks
        start = len(earlier.chunks) if earlier is not None else 0
        appended = stored.chunks[start:]
        self.document_rows: dict[str, np.ndarray] = {
            **(earlier.document_rows if earlier is not None else {}),
            **{doc: rows + start for doc, rows in appended.document_rows().items()},
        }
        self.lexical = stored.lexical
        self.paragraphs: dict[int, tuple[Chunk | None]] = {}  # (short paragraph or None) by row
        self.translator = QueryTranslator(stored.translation)
        self.neighbours = NeighbourReader(embedder, stored.translation.get(NEIGHBOURS))
        earlier_prior = earlier.hybrid.prior if earlier is not None else np.zeros(0, np.float32)
        self.hybrid: HybridIndex = HybridIndex(
            dense=stored.vectors,
            lexical=self.lexical,
            sparse=stored.sparse,
            postings=stored.sparse_postings,
            prior=np.concatenate([earlier_prior, prior(appended.boilerplate)]),
            exact_up_to=exact_up_to,
        )

    @property
    def generation(self) -> str:
        return self.stored.path.name

    def search(self, question: str, k: int = 3, doc: str | None = None) -> Retrieval:
        """The k best excerpts, best first; overlapping windows of a paragraph are merged."""
        asked = self.question(question)
        within = self.document_rows.get(doc, np.zeros(0, np.int64)) if doc is not None else None
        legs = self.hybrid.legs(asked, within)
        mask = np.ones(len(legs.rows), dtype=bool) if within is None else np.isin(legs.rows, within)
        hits = self.hits(legs, mask, max(k, RERANK_CANDIDATES) if self.reranker else k)
        if self.reranker:
            hits = self.rerank(question, hits)
        return Retrieval(
            hits=hits[:k],
            relevance=self.relevance(legs, asked, mask),
            query=asked.vector,
            unmatched=unmatched(question, asked.terms, self.lexical.postings()),
        )

    def question(self, question: str) -> Question:
        """What the legs search with: the question's vector, lexical terms and latent terms."""
        glossed = self.glossed_words(question)
        reading = "".join(dict.fromkeys([*self.translator.words(question), *glossed]))
        vectors, sparse = self.encode(question, reading)
        mean = vectors.mean(axis=0)
        terms = query_terms(question, self.korean_words)
        if glossed:
            terms["zh"] = glossed
        return Question(mean / np.linalg.norm(mean), terms, sparse)

    def korean_words(self, question: str) -> list[str]:
        """A Korean question's content words, kept whole where the collection or the glossary knows them."""
        return korean_grammar.content_words(
            question, self.translator.by_reading.__contains__, partial(glossary.knows, script="hangul")
        )

    def glossed_words(self, question: str) -> list[str]:
        """The collection's Chinese words for a Mongolian or Korean question's glossary words, and for
        a Mongolian one the model's neighbours of its other words."""
        neighbours = self.neighbours.words(question) if script_of(question) == "cyrillic" else []
        return list(dict.fromkeys(glossary.chinese_words(question, self.translator) + neighbours))

    def hits(self, legs: Legs, mask: np.ndarray, wanted: int) -> list[Hit]:
        hits: list[Hit] = []
        fused = legs.fused(self.hybrid.prior)
        for at in np.argsort(-fused):
            if not mask[at]:
                continue
            window = self.chunks[int(legs.rows[at])]
            hit = Hit(self.excerpt_of(window), float(fused[at]), window)
            if absorb(hits, hit):
                continue
            if len(hits) == wanted:
                break
            hits.append(hit)
        return hits

    def relevance(self, legs: Legs, asked: Question, mask: np.ndarray) -> Relevance:
        """How well the best chunk within mask answers, against the background passages."""
        background = self.stored.background_sparse
        sparse_background = np.zeros(len(background), dtype=np.float32)
        if asked.sparse is not None and len(background):
            sparse_background = background.cosine(asked.sparse)
        dense_background = self.stored.background @ asked.vector
        return assess(legs.dense, dense_background, legs.sparse, sparse_background, legs.lexical, mask)

    def sentence_vectors(self, window: Chunk) -> np.ndarray | None:
        """The stored vectors of a window's sentences (None if the window is not from this index)."""
        if window.id >= len(self.stored.sentences) or self.chunks[window.id] != window:
            return None
        return self.stored.sentences.of(window.id)

    def excerpt_of(self, window: Chunk) -> Chunk:
        """What a matching window of this index is shown as: its whole paragraph when that is short,
        else itself."""
        paragraph = self.short_paragraph(window.id)
        return replace(paragraph, id=window.id) if paragraph else window

    def short_paragraph(self, row: int) -> Chunk | None:
        """Row's paragraph, rebuilt verbatim from its windows, if it is short. Kept for the next
        questions in a plain dict, emptied when full (a cache holding a bound method of the searcher
        would keep every replaced collection alive until the cycle collector ran)."""
        found = self.paragraphs.get(row)  # one lookup: another model thread may empty the dict meanwhile
        if found is None:
            windows = [self.chunks[r] for r in self.chunks.paragraph_rows(row)]
            found = (next(iter(short_paragraphs(windows).values()), None),)
            if len(self.paragraphs) >= PARAGRAPHS_CACHED:
                self.paragraphs.clear()
            self.paragraphs[row] = found
        return found[0]

    def rerank(self, question: str, hits: list[Hit]) -> list[Hit]:
        assert self.reranker is not None
        scores = self.reranker.scores(question, [h.chunk.text for h in hits])
        order = sorted(range(len(hits)), key=lambda i: -scores[i])
        return [replace(hits[i], score=scores[i]) for i in order]

    def encode(self, question: str, reading: str) -> tuple[np.ndarray, SparseRows | None]:
        """Vectors of the question and of its Chinese reading (when it has one), and its latent terms
        when both the index and the embedder have a sparse head; both at once where the model can."""
        texts = [question, reading] if reading else [question]
        if not self.stored.manifest.get("sparse_dim") or not getattr(self.embedder, "sparse_dim", 0):
            return self.embedder.embed_queries(texts), None
        if side_by_side := getattr(self.embedder, "embed_question", None):
            return side_by_side(texts, [question])
        return self.embedder.embed_queries(texts), sparse_rows(self.embedder, [question])


MAX_MERGED_SENTENCES = 3


def short_paragraphs(windows: list[Chunk]) -> dict[tuple[str, int], Chunk]:
    """Each paragraph of at most MAX_PARAGRAPH_EXCERPT_CHARS, rebuilt verbatim from its windows."""
    whole: dict[tuple[str, int], Chunk | None] = {}
    for window in sorted(windows, key=lambda c: (c.doc, c.paragraph, c.first_sentence)):
        key = (window.doc, window.paragraph)
        if key not in whole:
            whole[key] = window
        elif (earlier := whole[key]) is not None:
            whole[key] = widen(earlier, window)
    return {
        key: chunk
        for key, chunk in whole.items()
        if chunk is not None and len(chunk.text) <= MAX_PARAGRAPH_EXCERPT_CHARS
    }


def absorb(hits: list[Hit], hit: Hit) -> bool:
    """Fold hit into an overlapping earlier hit, widening its excerpt; False if none overlaps."""
    for i, earlier in enumerate(hits):
        if not earlier.chunk.overlaps(hit.chunk):
            continue
        widened = widen(earlier.chunk, hit.chunk)
        if widened is not None and widened.sentences <= MAX_MERGED_SENTENCES:
            hits[i] = replace(earlier, chunk=widened)
        return True
    return False


def widen(a: Chunk, b: Chunk) -> Chunk | None:
    """The union of two overlapping windows of one paragraph, verbatim."""
    first, second = (a, b) if a.first_sentence <= b.first_sentence else (b, a)
    if second.text in first.text:
        return first
    overlap = longest_overlap(first.text, second.text)
    if not overlap:
        return None
    end = second.first_sentence + second.sentences
    return replace(first, text=first.text + second.text[overlap:], sentences=end - first.first_sentence)


def longest_overlap(first: str, second: str) -> int:
    """The length of the longest end of first that begins second (0 if none). Only the places where
    second's first character occurs in first are tried: a paragraph's windows are merged on loading,
    and trying every length made that quadratic in the window's length."""
    start = first.find(second[:1]) if second else -1
    while start != -1:
        if second.startswith(first[start:]):
            return len(first) - start
        start = first.find(second[0], start + 1)
    return 0
