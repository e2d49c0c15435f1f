"""Building the long-lived objects from settings, shared by the CLI and the bot."""

from __future__ import annotations

from citebot.index.answering.cache import AnswerCache
from citebot.index.library import Library
from citebot.index.retrieval.batching import SharedModel
from citebot.index.retrieval.embedding import make_embedder
from citebot.index.storage.build import Progress
from citebot.progress import StageLog
from citebot.settings import Settings


def open_library(settings: Settings, progress: Progress | None = None, rebuild_if_outdated: bool = True) -> Library:
    """The configured embedder (and reranker, if any) over the live index; builds one if there is none
    (and, with `rebuild_if_outdated`, when it was built by an older recipe)."""
    embedder = SharedModel(make_embedder(settings.embedding_backend, settings.embedding_model))
    reranker = None
    if settings.reranker_model:
        from citebot.index.retrieval.rerank import CrossEncoderReranker

        reranker = CrossEncoderReranker(settings.reranker_model)
    return Library.open(
        settings.data_dir,
        settings.index_dir,
        embedder,
        reranker=reranker,
        progress=progress or StageLog(),
        limits=settings.document_limits(),
        answers=AnswerCache(settings.answer_cache_size),
        rebuild_if_outdated=rebuild_if_outdated,
    )
