"""The candidate search that large collections use returns what scoring every chunk returns.

On the article (71 windows) the searcher scores every chunk; forcing the candidate path (each leg
proposing only a few rows, every leg then scored on their union) must give the same top hits."""

import json

import numpy as np
import pytest

from citebot.index.library import Library
from citebot.index.retrieval.lexical import BM25, LexicalIndex
from citebot.index.retrieval.search import Searcher
from citebot.index.retrieval.sparse import PAD, SparsePostings, SparseRows
from tests.support import REPO, embedder, write_small_corpus

FEW = 20  # rows each leg proposes: far fewer than the article's 71 windows, so the union is a real subset


def candidate_searcher(exact: Searcher) -> Searcher:
    forced = Searcher(exact.stored, exact.embedder, exact_up_to=0)
    forced.hybrid.dense_candidates = forced.hybrid.lexical_candidates = forced.hybrid.sparse_candidates = FEW
    return forced


@pytest.fixture(scope="module")
def searchers(tmp_path_factory):
    exact = Library.open(REPO / "data", tmp_path_factory.mktemp("index"), embedder()).searcher
    return exact, candidate_searcher(exact)


def development_questions() -> list[str]:
    lines = (REPO / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def test_candidate_search_returns_the_exact_top_hits_on_the_article(searchers):
    exact, forced = searchers
    for question in development_questions():
        asked = exact.question(question)
        assert len(forced.hybrid.legs(asked).rows) < len(exact.chunks)
        wanted, got = exact.search(question, k=3), forced.search(question, k=3)
        assert [h.window.id for h in got.hits] == [h.window.id for h in wanted.hits], question
        assert [h.chunk.text for h in got.hits] == [h.chunk.text for h in wanted.hits]
        assert np.allclose([h.score for h in got.hits], [h.score for h in wanted.hits], atol=1e-5)
        assert got.relevance.dense_margin == pytest.approx(wanted.relevance.dense_margin, abs=1e-5)
        assert got.relevance.lexical == pytest.approx(wanted.relevance.lexical, abs=1e-5)


def test_candidate_search_limited_to_one_document(tmp_path):
    exact = Library.open(write_small_corpus(tmp_path / "data"), tmp_path / "index", embedder()).searcher
    forced = candidate_searcher(exact)
    forced.hybrid.dense_candidates = forced.hybrid.lexical_candidates = forced.hybrid.sparse_candidates = 1
    for doc in ("small-zh", "small-en"):
        hits = forced.search("How long should sourdough bake?", doc=doc).hits
        assert hits and all(h.chunk.doc == doc for h in hits)


def test_bm25_on_chosen_rows_equals_scoring_every_row():
    documents = [["a", "b", "b"], ["b", "c"], [], ["a", "a", "a", "d"], ["c"]]
    bm25 = BM25.from_documents(documents)
    chosen = np.array([0, 2, 3, 4])
    for query in (["a"], ["b", "c"], ["a", "d", "zz"], []):
        assert np.allclose(bm25.scores_of(query, chosen), bm25.scores(query)[chosen])
    index = LexicalIndex([{"zh": d} for d in documents])
    assert set(index.candidates({"zh": ["a", "d"]}, 10).tolist()) == {0, 3}
    assert index.postings()["zh"]["a"] == [(0, 1), (3, 3)] and "zz" not in index.postings()["zh"]


def test_compacted_latent_terms_keep_the_heaviest_and_their_postings_find_rows():
    rows = SparseRows.from_pairs([(np.array([5, 9, 2]), np.array([0.1, 0.9, 0.4])), (np.array([9]), np.array([1.0]))])
    compact = rows.compact(2)
    assert compact.indices.dtype == np.uint16 and compact.weights.dtype == np.float16
    assert compact.indices[0].tolist() == [9, 2] and compact.indices[1].tolist() == [9, PAD]
    postings = SparsePostings.build(compact, dim=16, per_term=1)
    assert postings.rows[postings.offsets[9] : postings.offsets[10]].tolist() == [1]  # the heavier of the two
    query = SparseRows.from_pairs([(np.array([2]), np.array([1.0]))])
    assert postings.candidates(query, 5).tolist() == [0]
    assert np.allclose(compact.cosine(query), [0.4 / np.linalg.norm([0.1, 0.9, 0.4]), 0.0], atol=1e-3)


def test_latent_postings_pointing_outside_the_chunks_are_refused():
    import io

    from citebot.index.storage import shapes

    rows = SparseRows.from_pairs([(np.array([3, 7]), np.array([0.6, 0.8])), (np.array([7]), np.array([1.0]))])
    postings = SparsePostings.build(rows.compact(), dim=16)

    def blob(row_shift: int) -> bytes:
        out = io.BytesIO()
        np.savez(out, offsets=postings.offsets, rows=postings.rows + row_shift, weights=postings.weights)
        return out.getvalue()

    assert shapes.sparse_postings(blob(0), 16, chunks=2).rows.tolist() == postings.rows.tolist()
    with pytest.raises(shapes.ShapeError):
        shapes.sparse_postings(blob(5), 16, chunks=2)
    with pytest.raises(shapes.ShapeError):
        shapes.sparse_postings(blob(0), 32, chunks=2)  # offsets for another number of latent terms


def test_scale_bench_measures_the_candidate_search_on_a_generated_collection():
    from citebot import bench

    report = bench.scale(25_000, queries=5, judged=3)
    assert report["index_type"].startswith("IVF") and report["sparse_terms_per_chunk"] == 48
    assert 0.8 <= report["recall_at_10"] <= 1.0 and report["p95_ms"] > 0
    assert 0.8 <= report["after_appends"]["recall_at_10"] <= 1.0 and report["after_appends"]["p95_ms"] > 0
    assert report["index_memory_mb"]["total"] > report["index_memory_mb"]["dense"] > 0


def test_loading_bench_times_a_verified_generation_of_the_asked_size(tmp_path):
    from citebot import bench
    from citebot.index.storage import store

    Library.open(write_small_corpus(tmp_path / "data"), tmp_path / "index", embedder())
    report = bench.loading(tmp_path / "index", tmp_path / "big", 250, embedder())
    assert report["chunks"] == 250 and report["load_s"] > 0 and report["searcher_s"] > 0
    assert report["load_peak_mb"] == report["load_peak_mb"]  # measured (not NaN) on Linux
    big = store.load(tmp_path / "big")  # checksums and shapes hold, as for any generation
    assert len(big.chunks) == 250 and big.vectors.ntotal == 250 and len(big.sentences) == 250
    hits = Searcher(big, embedder()).search("平壤为什么召回大使?").hits
    assert hits and "召回驻蒙古大使" in hits[0].chunk.text


def test_appending_bench_makes_the_new_documents_citable_in_a_loaded_collection(tmp_path):
    from citebot import bench

    data = write_small_corpus(tmp_path / "data")
    Library.open(data, tmp_path / "index", embedder())
    report = bench.appending(data, tmp_path / "index", tmp_path / "big", 300, embedder(), ["平壤为什么召回大使?"])
    assert report["citable"] and report["documents_appended"] == 2 and report["chunks_appended"] > 0
    assert set(report["index_memory_mb"]) == {"loaded", "after 1 questions", "after the append"}
    assert all(peak == peak for peak in report["peak_mb"].values())  # measured (not NaN) on Linux
