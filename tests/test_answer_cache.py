"""A question asked again is answered from a cache, and never from an index that was replaced."""

from __future__ import annotations

import pytest

from citebot.index.library import Library
from citebot.index.storage.build import build_index
from tests.support import embedder, write_small_corpus

QUESTION = "朝鲜为什么召回驻蒙古大使?"


class CountingEmbedder:
    """The real embedder, counting how often the model runs."""

    def __init__(self, real) -> None:
        self.real, self.name, self.dim, self.sparse_dim = real, real.name, real.dim, real.sparse_dim
        self.package = real.package  # the same model: an index it built is one this embedder may read
        self.calls = 0

    def embed_queries(self, texts):
        self.calls += 1
        return self.real.embed_queries(texts)

    def embed_passages(self, texts):
        self.calls += 1
        return self.real.embed_passages(texts)

    def embed_sparse(self, texts):
        self.calls += 1
        return self.real.embed_sparse(texts)


@pytest.fixture()
def library(tmp_path):
    data = write_small_corpus(tmp_path / "data")
    return Library.open(data, tmp_path / "index", CountingEmbedder(embedder()))


def test_a_question_asked_again_is_answered_without_the_model(library):
    first = library.answer(QUESTION)
    calls = library.embedder.calls
    again = library.answer(f"  {QUESTION}  ")
    assert library.embedder.calls == calls
    assert again.answered and again.text == first.text and again.excerpts == first.excerpts


def test_the_cache_tells_questions_documents_and_follow_ups_apart(library):
    plain = library.answer(QUESTION)
    calls = library.embedder.calls
    library.answer(QUESTION, doc="small-en")
    library.answer("它是哪一年建交的?", context=QUESTION)
    assert library.embedder.calls > calls
    assert library.answer(QUESTION, doc="small-en").excerpts != plain.excerpts


def test_a_reindex_invalidates_cached_answers(library):
    before = library.answer(QUESTION)
    assert "召回驻蒙古大使" in before.text
    document = library.data_dir / "small-zh.md"
    text = document.read_text(encoding="utf-8")
    document.write_text(text.replace("召回驻蒙古大使", "召回驻蒙古大使并关闭了使馆"), encoding="utf-8")
    library.reindex()
    assert "关闭了使馆" in library.answer(QUESTION).text


def test_a_rebuild_by_another_process_invalidates_cached_answers(library):
    library.answer(QUESTION)
    (library.data_dir / "small-zh.md").unlink()
    build_index(library.data_dir, library.index_dir, embedder())
    assert all(e.doc == "small-en" for e in library.answer(QUESTION).excerpts)
