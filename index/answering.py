"""Turn retrieved excerpts into an answer: the sentences that answer, verbatim, first."""
from __future__ import annotations

import numpy as np

from .answer import Answer, Excerpt
from .embedding import Embedder
from .search import Retrieval
from .text import split_sentences

MAX_ANSWER_SENTENCES = 2
SECOND_SENTENCE_MARGIN = 0.02


def to_excerpts(retrieval: Retrieval) -> tuple[Excerpt, ...]:
    return tuple(
        Excerpt(text=h.chunk.text, doc=h.chunk.doc, doc_title=h.chunk.doc_title, section=h.chunk.section,
                paragraph=h.chunk.paragraph, score=h.score, chunk_id=h.chunk.id)
        for h in retrieval.hits
    )


def compose(question: str, retrieval: Retrieval, embedder: Embedder, threshold: float) -> Answer:
    if not retrieval.hits or not retrieval.relevance.answers(threshold):
        return Answer(question=question, answered=False)
    excerpts = to_excerpts(retrieval)
    return Answer(question=question, answered=True,
                  text=direct_answer(question, excerpts[0].text, embedder), excerpts=excerpts)


def direct_answer(question: str, excerpt: str, embedder: Embedder) -> str:
    """The one or two sentences of the best excerpt closest to the question, in reading order."""
    sentences = [s.strip() for s in split_sentences(excerpt) if s.strip()]
    if len(sentences) <= 1:
        return excerpt.strip()
    similarity = embedder.embed_passages(sentences) @ embedder.embed_queries([question])[0]
    ranked = list(np.argsort(-similarity))
    chosen = [ranked[0]]
    for row in ranked[1:MAX_ANSWER_SENTENCES]:
        if similarity[ranked[0]] - similarity[row] <= SECOND_SENTENCE_MARGIN:
            chosen.append(row)
    first, last = min(chosen), max(chosen)
    if last - first == 1:
        start = excerpt.index(sentences[first])
        return excerpt[start:excerpt.index(sentences[last], start) + len(sentences[last])]
    return sentences[first]
