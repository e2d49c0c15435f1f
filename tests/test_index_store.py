import json
import threading

import numpy as np
import pytest

from citebot.index.answering.sentences import window_sentences
from citebot.index.library import Library, ReindexInProgress
from citebot.index.retrieval.terms import TERMS_VERSION
from citebot.index.retrieval.translation import TRANSLATION_VERSION
from citebot.index.storage import store
from citebot.index.storage.build import build_index
from tests.support import embedder, make_live_generation_outdated, write_small_corpus


@pytest.fixture()
def built(tmp_path):
    data = write_small_corpus(tmp_path / "data")
    index_dir = tmp_path / "index"
    report = build_index(data, index_dir, embedder())
    return data, index_dir, report


def test_manifest_records_model_dimension_corpus_and_documents(built):
    _, index_dir, report = built
    manifest = json.loads((index_dir / "current" / "manifest.json").read_text())
    assert manifest["model"] == embedder().name
    assert manifest["dimension"] == 384
    assert len(manifest["corpus_hash"]) == 64 and manifest["built_at"]
    assert {d["id"] for d in manifest["documents"]} == {"small-zh", "small-en"}
    assert manifest["chunks"] == report.chunks == store.load(index_dir).vectors.ntotal


def test_rebuild_swaps_generation_reuses_vectors_and_prunes_the_old(built):
    data, index_dir, first = built
    (data / "small-en.md").unlink()
    second = build_index(data, index_dir, embedder())
    assert second.generation != first.generation
    assert (index_dir / "current").resolve() == second.generation
    assert first.generation.exists(), "the replaced generation stays until the next swap"
    third = build_index(data, index_dir, embedder())
    assert not first.generation.exists() and second.generation.exists() and third.generation.exists()
    assert second.documents == 1 and second.reused_vectors == second.chunks
    assert {c.doc for c in store.load(index_dir).chunks} == {"small-zh"}


def test_unfinished_generation_is_ignored(built):
    _, index_dir, report = built
    crashed = index_dir / "generations" / "99999999T000000-deadbeef"
    crashed.mkdir()
    (crashed / "vectors.faiss").write_bytes(b"partial")
    assert store.load(index_dir).path == report.generation


def test_corrupt_index_gives_a_clear_error_and_library_rebuilds(built):
    data, index_dir, _ = built
    (index_dir / "current" / "vectors.faiss").write_bytes(b"not a faiss index")
    with pytest.raises(store.IndexCorrupt, match="citebot reindex"):
        store.load(index_dir)
    library = Library.open(data, index_dir, embedder())
    assert library.answer("朝鲜为什么召回驻蒙古大使?").answered


def test_questions_are_answered_while_a_reindex_runs(built):
    data, index_dir, _ = built
    library = Library.open(data, index_dir, embedder())
    answers, errors = [], []

    def ask_repeatedly():
        try:
            for _ in range(10):
                answers.append(library.answer("朝鲜为什么召回驻蒙古大使?"))
        except Exception as exc:
            errors.append(exc)

    asker = threading.Thread(target=ask_repeatedly)
    asker.start()
    report = library.reindex()
    asker.join()
    assert not errors
    assert len(answers) == 10 and all(a.answered for a in answers)
    assert report.documents == 2


def test_second_concurrent_reindex_is_refused(built):
    data, index_dir, _ = built
    library = Library.open(data, index_dir, embedder())
    library._build_lock.acquire()
    try:
        with pytest.raises(ReindexInProgress):
            library.reindex()
    finally:
        library._build_lock.release()


def test_library_follows_a_rebuild_made_by_another_process(built):
    data, index_dir, _ = built
    library = Library.open(data, index_dir, embedder())
    assert len(library.documents()) == 2
    (data / "small-en.md").unlink()
    build_index(data, index_dir, embedder())
    assert [d.id for d in library.documents()] == ["small-zh"]


def test_a_broken_new_generation_leaves_the_loaded_one_answering(built, caplog):
    data, index_dir, _ = built
    library = Library.open(data, index_dir, embedder())
    report = build_index(data, index_dir, embedder())
    (report.generation / store.CHUNK_NAMES).write_text("not json\n", encoding="utf-8")
    assert library.answer("朝鲜为什么召回驻蒙古大使?").answered
    assert "still answering from" in caplog.text


class FailingEmbedder:
    """The real embedder, until the build asks it for passages: then the 'machine' dies."""

    def __init__(self, real) -> None:
        self.real, self.name, self.dim = real, real.name, real.dim

    def embed_queries(self, texts):
        return self.real.embed_queries(texts)

    def embed_passages(self, texts):
        raise MemoryError("killed mid-build")


def test_a_build_that_dies_midway_leaves_the_live_index_answering(built):
    data, index_dir, report = built
    (data / "extra.md").write_text("# 新章节\n\n蒙古与韩国签署了新的合作协议。\n", encoding="utf-8")
    with pytest.raises(MemoryError):
        build_index(data, index_dir, FailingEmbedder(embedder()))
    assert (index_dir / "current").resolve() == report.generation
    assert (
        Library.open(data, index_dir, embedder(), rebuild_if_unusable=False)
        .answer("朝鲜为什么召回驻蒙古大使?")
        .answered
    )


def test_index_carries_query_translation_tables_for_its_own_words(built):
    data, index_dir, _ = built
    tables = store.load(index_dir).translation
    assert tables["phrases"]["ambassador"] == ["大使"]
    assert "大使" in tables["readings"]["대사"]
    (data / "small-zh.md").unlink()
    build_index(data, index_dir, embedder())
    assert "ambassador" not in store.load(index_dir).translation["phrases"]


def test_an_index_of_an_older_format_is_reported_and_rebuilt(built):
    data, index_dir, _ = built
    manifest_path = index_dir / "current" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "format": min(store.LEGACY_FORMATS) - 1}))
    with pytest.raises(store.IndexCorrupt, match="format"):
        store.load(index_dir)
    assert Library.open(data, index_dir, embedder()).answer("Why was the ambassador recalled?").answered


def rewrite_in_older_format(generation, format_version: int) -> None:
    """A generation as citebot wrote it in format 6 (chunks.jsonl, BM25 postings as triples) or 5
    (each chunk's terms in chunks.jsonl, and no lexical files)."""
    from citebot.index.storage import integrity

    live = store.load(generation.parent.parent)
    terms = live.lexical.terms_by_chunk(len(live.chunks))
    rows = [
        {**chunk.as_dict(), **({"terms": chunk_terms} if format_version == 5 else {})}
        for chunk, chunk_terms in zip(live.chunks, terms, strict=True)
    ]
    (generation / store.CHUNKS).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    for name in (store.CHUNK_COLUMNS, store.CHUNK_NAMES, store.CHUNK_TEXTS):
        (generation / name).unlink()
    if format_version == 5:
        (generation / store.LEXICAL).unlink()
        (generation / store.LEXICAL_TERMS).unlink()
    else:  # into a new file: the loaded index reads the old one in place
        with open(generation / "lexical.new", "wb") as out:
            np.savez(out, **live.lexical.triples()[1])
        (generation / "lexical.new").replace(generation / store.LEXICAL)
    manifest = {k: v for k, v in live.manifest.items() if k != integrity.SEAL} | {"format": format_version}
    manifest["files"] = integrity.file_entries(generation, exclude=store.MANIFEST)
    (generation / store.MANIFEST).write_text(json.dumps(integrity.seal(manifest), ensure_ascii=False))


@pytest.mark.parametrize("format_version", store.LEGACY_FORMATS)
def test_an_index_of_an_older_format_still_answers_and_is_rebuilt_reusing_it(built, format_version):
    data, index_dir, _ = built
    first = build_index(data, index_dir, embedder())
    question = "Why was the ambassador recalled?"
    before = Library.open(data, index_dir, embedder()).answer(question)
    rewrite_in_older_format(first.generation, format_version)
    assert store.load(index_dir).manifest["format"] == format_version
    assert store.load(index_dir).chunks == store.load(index_dir).chunks[:]  # every row reads back
    assert Library.open(data, index_dir, embedder(), rebuild_if_outdated=False).outdated() == ["format"]
    assert Library.open(data, index_dir, embedder(), rebuild_if_outdated=False).answer(question) == before
    again = build_index(data, index_dir, embedder())
    assert again.reused_vectors == first.chunks and store.load(index_dir).manifest["format"] == store.FORMAT_VERSION
    assert Library.open(data, index_dir, embedder()).answer(question) == before


def test_a_rebuild_after_the_term_recipe_changed_encodes_everything_again(built, monkeypatch):
    from citebot.index.storage import build

    data, index_dir, first = built
    monkeypatch.setattr(build, "TERMS_VERSION", build.TERMS_VERSION + 1)
    again = build_index(data, index_dir, embedder())
    assert again.reused_vectors == 0 and again.chunks == first.chunks
    assert store.load(index_dir).manifest["terms"] == build.TERMS_VERSION


def test_a_rebuild_remakes_translation_tables_made_by_an_older_recipe(built):
    data, index_dir, _ = built
    first = build_index(data, index_dir, embedder())  # with today's recipe
    make_live_generation_outdated(index_dir, translation=None)  # from before the tables had a version
    again = build_index(data, index_dir, embedder())
    assert again.reused_vectors == first.chunks  # nothing embedded again
    rebuilt = store.load(index_dir)
    assert rebuilt.translation.get("readings") and rebuilt.manifest["translation"] == TRANSLATION_VERSION


def test_an_index_built_by_an_older_recipe_is_rebuilt_when_opened(built):
    data, index_dir, _ = built
    build_index(data, index_dir, embedder())
    make_live_generation_outdated(index_dir, terms=0)
    assert Library.open(data, index_dir, embedder(), rebuild_if_outdated=False).outdated() == ["terms"]
    library = Library.open(data, index_dir, embedder())
    assert library.outdated() == [] and store.load(index_dir).manifest["terms"] == TERMS_VERSION
    assert library.answer("Why was the ambassador recalled?").answered


def test_stored_sentence_vectors_equal_freshly_computed_ones(built):
    data, index_dir, _ = built
    (data / "small-zh.md").write_text(
        (data / "small-zh.md").read_text(encoding="utf-8") + "\n蒙古计划扩大稀土出口。新的矿山明年投产。\n",
        encoding="utf-8",
    )
    build_index(data, index_dir, embedder())  # the unchanged sentences' vectors are reused
    stored = store.load(index_dir)
    for window in stored.chunks:
        fresh = embedder().embed_passages(window_sentences(window.text))
        np.testing.assert_allclose(stored.sentences.of(window.id), fresh, atol=1e-5)


def test_loading_leaves_the_cycle_collector_as_it_found_it(built):
    import gc

    _, index_dir, _ = built
    assert gc.isenabled()
    store.load(index_dir)
    assert gc.isenabled()
    (index_dir / "current" / store.CHUNK_NAMES).write_text("{not json", encoding="utf-8")
    with pytest.raises(store.IndexCorrupt):
        store.load(index_dir)
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(store.IndexCorrupt):
            store.load(index_dir)
        assert not gc.isenabled()  # a caller that turned it off keeps it off
    finally:
        gc.enable()
