"""Turn retrieved excerpts into an answer: the sentences that answer, verbatim, first."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from citebot.index.answering import evidence
from citebot.index.answering.answer import Answer, Excerpt
from citebot.index.answering.relevance import RELATED_THRESHOLD, firm_threshold
from citebot.index.answering.sentences import window_sentences
from citebot.index.corpus.chunking import Chunk
from citebot.index.retrieval.embedding import Embedder
from citebot.index.retrieval.search import Retrieval

MAX_ANSWER_SENTENCES = 2
SECOND_SENTENCE_MARGIN = 0.02


def to_excerpts(retrieval: Retrieval) -> tuple[Excerpt, ...]:
    return tuple(
        Excerpt(
            text=h.chunk.text,
            doc=h.chunk.doc,
            doc_title=h.chunk.doc_title,
            byline=h.chunk.doc_byline,
            section=h.chunk.section,
            paragraph=h.chunk.paragraph,
            score=h.score,
            chunk_id=h.chunk.id,
        )
        for h in retrieval.hits
    )


def compose(
    question: str,
    retrieval: Retrieval,
    embedder: Embedder,
    threshold: float | None = None,
    related_threshold: float = RELATED_THRESHOLD,
    sentence_vectors: Callable[[Chunk], np.ndarray | None] = lambda window: None,
) -> Answer:
    """A firm answer when the best passage clearly answers and carries what was asked for; the
    closest passages when they are about the question without clearly answering it; else a decline.

    `threshold` overrides the firm-answer threshold calibrated for the question's language.
    `sentence_vectors` gives the stored vectors of a window's sentences, or None to embed them now.
    """
    firm = firm_threshold(question) if threshold is None else threshold
    if not retrieval.hits or not retrieval.relevance.answers(min(firm, related_threshold)):
        return Answer(question=question, answered=False)
    excerpts = to_excerpts(retrieval)
    if not retrieval.relevance.answers(firm):
        return Answer.related(question, excerpts)
    window = retrieval.hits[0].window
    text = direct_answer(retrieval.query, window.text, embedder, sentence_vectors(window))
    if not evidence.check(question, text, retrieval.unmatched).firm:
        return Answer.related(question, excerpts)
    return Answer(question=question, answered=True, text=text, excerpts=excerpts)


def direct_answer(query: np.ndarray, window: str, embedder: Embedder, vectors: np.ndarray | None = None) -> str:
    """The sentence of the best-matching window closest to the question (the embedded `query`),
    verbatim, together with its neighbour when that one is about as close. `vectors` are the
    sentences' stored vectors; they are embedded here only when the index has none."""
    sentences = window_sentences(window)
    if len(sentences) <= 1:
        return window.strip()
    if vectors is None or len(vectors) != len(sentences):
        vectors = embedder.embed_passages(sentences)
    similarity = vectors @ query
    best, runner_up = (int(i) for i in np.argsort(-similarity)[:MAX_ANSWER_SENTENCES])
    if abs(best - runner_up) != 1 or similarity[best] - similarity[runner_up] > SECOND_SENTENCE_MARGIN:
        return sentences[best]
    first, last = sentences[min(best, runner_up)], sentences[max(best, runner_up)]
    start = window.index(first)
    return window[start : window.index(last, start) + len(last)]
