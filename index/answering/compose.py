"""Turn retrieved excerpts into an answer: the sentences that answer, verbatim, first."""

from __future__ import annotations

import numpy as np

from citebot.index.answering.answer import Answer, Excerpt
from citebot.index.corpus.text import split_sentences
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


def compose(question: str, retrieval: Retrieval, embedder: Embedder, threshold: float) -> Answer:
    if not retrieval.hits or not retrieval.relevance.answers(threshold):
        return Answer(question=question, answered=False)
    return Answer(
        question=question,
        answered=True,
        text=direct_answer(retrieval.query, retrieval.hits[0].window.text, embedder),
        excerpts=to_excerpts(retrieval),
    )


def direct_answer(query: np.ndarray, window: str, embedder: Embedder) -> str:
    """The sentence of the best-matching window closest to the question (the embedded `query`),
    verbatim, together with its neighbour when that one is about as close."""
    sentences = [s.strip() for s in split_sentences(window) if s.strip()]
    if len(sentences) <= 1:
        return window.strip()
    similarity = embedder.embed_passages(sentences) @ query
    best, runner_up = (int(i) for i in np.argsort(-similarity)[:MAX_ANSWER_SENTENCES])
    if abs(best - runner_up) != 1 or similarity[best] - similarity[runner_up] > SECOND_SENTENCE_MARGIN:
        return sentences[best]
    first, last = sentences[min(best, runner_up)], sentences[max(best, runner_up)]
    start = window.index(first)
    return window[start : window.index(last, start) + len(last)]
