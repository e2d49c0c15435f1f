"""The sentence-transformers backend with the packaged all-MiniLM-L6-v2 (needs torch)."""

import itertools

import pytest

pytest.importorskip("sentence_transformers")

from citebot.index.library import Library
from citebot.index.retrieval.embedding import EmbedderError, make_embedder
from tests.support import write_small_corpus


@pytest.fixture(scope="module")
def minilm():
    return make_embedder("sentence-transformers", "all-MiniLM-L6-v2")


def test_packaged_model_loads_offline_and_embeds(minilm, monkeypatch):
    assert minilm.dim == 384
    vectors = minilm.embed_passages(["Sourdough bread rises.", "Ambassadors were recalled."])
    query = minilm.embed_queries(["How does sourdough rise?"])[0]
    assert vectors.shape == (2, 384)
    assert (vectors @ query)[0] > (vectors @ query)[1]


def test_library_on_the_st_backend_answers_and_records_the_model(minilm, tmp_path):
    library = Library.open(write_small_corpus(tmp_path / "data"), tmp_path / "index", minilm)
    assert library.manifest["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    answer = library.answer("How long should sourdough bread bake?")
    assert answer.excerpts and answer.excerpts[0].doc == "small-en"


def test_index_from_another_model_is_rebuilt_not_misread(minilm, tmp_path):
    from tests.support import embedder

    data = write_small_corpus(tmp_path / "data")
    Library.open(data, tmp_path / "index", embedder())
    library = Library.open(data, tmp_path / "index", minilm)
    assert library.manifest["model"] == minilm.name


def test_missing_local_model_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EmbedderError, match="cannot load sentence-transformers model"):
        make_embedder("sentence-transformers", str(tmp_path / "no-such-model"))


def test_cross_encoder_reranker_orders_excerpts_by_its_own_scores(minilm, tmp_path):
    from citebot.index.retrieval.rerank import CrossEncoderReranker

    reranker = CrossEncoderReranker("all-MiniLM-L6-v2")
    from tests.support import embedder

    library = Library.open(write_small_corpus(tmp_path / "data"), tmp_path / "index", embedder(), reranker=reranker)
    hits = library.retrieve("召回驻蒙古大使", k=3).hits
    texts = [h.chunk.text for h in hits]
    expected = reranker.scores("召回驻蒙古大使", texts)
    assert [h.score for h in hits] == pytest.approx(expected, abs=1e-5)
    assert all(a.score >= b.score - 1e-5 for a, b in itertools.pairwise(hits))
    assert len(hits) == 3
