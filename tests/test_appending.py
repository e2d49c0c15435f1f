"""A document added to the collection is appended: only its chunks are embedded, the live
generation's files are linked rather than written again, and what readers get is what a full
rebuild would give them."""

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from citebot.index.library import Library, ReindexInProgress
from citebot.index.storage import integrity, store
from citebot.index.storage.build import build_index
from citebot.index.storage.checkpoints import BuildAbandoned
from tests.support import SMALL_EN, citebot, embedder

REPO = Path(__file__).resolve().parent.parent
TEA = """---
id: tea
title: Brewing Tea
language: en
---

Green tea is steeped at eighty degrees for two minutes. Black tea needs water at a full boil.
"""
BREAD_QUESTION = "How long is sourdough bread baked?"
TEA_QUESTION = "How hot should the water be for green tea?"


@pytest.fixture(scope="module")
def article(tmp_path_factory):
    root = tmp_path_factory.mktemp("article")
    shutil.copytree(REPO / "data", root / "data")
    build_index(root / "data", root / "index", embedder())
    return root


@pytest.fixture()
def collection(article, tmp_path):
    shutil.copytree(article, tmp_path / "copy", symlinks=True)
    return tmp_path / "copy"


def ranking(library: Library, question: str) -> list[tuple[str, int, int, float]]:
    hits = library.retrieve(question).hits
    return [(h.chunk.doc, h.chunk.paragraph, h.chunk.first_sentence, round(h.score, 5)) for h in hits]


def questions() -> list[str]:
    rows = [json.loads(line) for line in (REPO / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()]
    return [*[row["question"] for row in rows if row.get("question")][:16], BREAD_QUESTION, TEA_QUESTION]


def test_a_new_document_is_appended_and_answered_at_once(collection):
    library = Library.open(collection / "data", collection / "index", embedder())
    before = library.searcher.stored
    (collection / "data" / "small-en.md").write_text(SMALL_EN, encoding="utf-8")
    report = library.reindex()
    assert report.appended == 1
    assert report.reused_vectors == len(before.chunks), "the collection's chunks are not embedded again"
    assert report.chunks == len(before.chunks) + 1
    for name in before.manifest["files"]:  # linked, not written again
        assert (report.generation / name).stat().st_ino == (before.path / name).stat().st_ino
    answer = library.answer(BREAD_QUESTION)
    assert answer.excerpts and answer.excerpts[0].doc == "small-en"
    assert "forty minutes" in answer.excerpts[0].text
    assert {d.id for d in library.documents()} == {"mongolia-defector-dilemma", "small-en"}


def test_another_process_reads_the_appended_collection_as_the_one_that_appended(collection):
    library = Library.open(collection / "data", collection / "index", embedder())
    (collection / "data" / "tea.md").write_text(TEA, encoding="utf-8")
    library.reindex()
    (collection / "data" / "small-en.md").write_text(SMALL_EN, encoding="utf-8")
    library.reindex()
    oolong = TEA.replace("id: tea", "id: oolong").replace("Green tea is steeped", "Oolong is rolled by hand")
    (collection / "data" / "oolong.md").write_text(oolong, encoding="utf-8")
    third = library.reindex()
    assert third.appended == 1 and third.reused_vectors == third.chunks - 1
    reader = Library.open(collection / "data", collection / "index", embedder())
    assert reader.searcher.generation == third.generation.name
    assert reader.searcher.chunks == library.searcher.chunks, "every chunk keeps its row (cited by id)"
    for question in questions():
        assert ranking(reader, question) == ranking(library, question), question
    assert reader.answer(TEA_QUESTION).excerpts[0].doc == "tea"


def test_an_appended_collection_ranks_as_a_full_rebuild_does(collection, tmp_path):
    library = Library.open(collection / "data", collection / "index", embedder())
    (collection / "data" / "small-en.md").write_text(SMALL_EN, encoding="utf-8")
    (collection / "data" / "tea.md").write_text(TEA, encoding="utf-8")
    assert library.reindex().appended == 2
    shutil.copytree(collection / "data", tmp_path / "fresh-data")
    rebuilt = Library.open(tmp_path / "fresh-data", tmp_path / "fresh-index", embedder())
    assert rebuilt.reindex().appended == 0
    for question in questions():
        assert ranking(library, question) == ranking(rebuilt, question), question


def test_a_changed_document_builds_the_collection_whole_and_folds_the_part_in(collection):
    library = Library.open(collection / "data", collection / "index", embedder())
    (collection / "data" / "small-en.md").write_text(SMALL_EN, encoding="utf-8")
    library.reindex()
    (collection / "data" / "small-en.md").write_text(SMALL_EN.replace("forty", "fifty"), encoding="utf-8")
    report = library.reindex()
    assert report.appended == 0 and not (report.generation / store.ADDED).exists()
    assert "fifty minutes" in library.answer(BREAD_QUESTION).excerpts[0].text


def test_a_document_too_large_for_an_added_part_builds_the_collection_whole(collection):
    library = Library.open(collection / "data", collection / "index", embedder())
    paragraphs = "\n\n".join(f"Paragraph {n} is about the {n}th loaf of rye bread." for n in range(40))
    (collection / "data" / "long.md").write_text(f"---\nid: long\ntitle: Loaves\n---\n\n{paragraphs}\n")
    report = library.reindex()
    assert report.appended == 0 and report.chunks == len(store.load(collection / "index").chunks)


def test_an_abandoned_append_leaves_the_live_index_answering(collection):
    library = Library.open(collection / "data", collection / "index", embedder())
    live = (collection / "index" / "current").resolve()
    (collection / "data" / "small-en.md").write_text(SMALL_EN, encoding="utf-8")
    stop = threading.Event()
    stop.set()
    with pytest.raises(BuildAbandoned):
        build_index(collection / "data", collection / "index", embedder(), stop=stop)
    assert (collection / "index" / "current").resolve() == live
    assert library.answer("朝鲜为什么召回驻蒙古大使?").answered


def appended(collection: Path) -> Path:
    library = Library.open(collection / "data", collection / "index", embedder())
    (collection / "data" / "small-en.md").write_text(SMALL_EN, encoding="utf-8")
    return library.reindex().generation


def test_a_damaged_added_part_is_an_index_corrupt_error(collection):
    generation = appended(collection)
    texts = generation / store.ADDED / store.CHUNK_TEXTS
    assert "forty" in texts.read_text(encoding="utf-8")
    texts.write_text(texts.read_text(encoding="utf-8").replace("forty", "sixty"), encoding="utf-8")
    with pytest.raises(store.IndexCorrupt, match="damaged"):
        store.load(collection / "index")


def test_an_added_part_swapped_for_another_sealed_one_is_an_index_corrupt_error(collection):
    generation = appended(collection)
    (collection / "data" / "tea.md").write_text(TEA, encoding="utf-8")
    later = Library.open(collection / "data", collection / "index", embedder()).reindex().generation
    shutil.rmtree(generation / store.ADDED)
    shutil.copytree(later / store.ADDED, generation / store.ADDED)
    store.activate(collection / "index", generation)
    with pytest.raises(store.IndexCorrupt, match="not the one"):
        store.load(collection / "index")


def test_the_generation_seal_covers_the_note_of_its_added_part(collection):
    generation = appended(collection)
    path = generation / store.MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest[store.ADDED]["chunks"] = 2
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(store.IndexCorrupt):
        store.load(collection / "index")
    manifest = integrity.seal({k: v for k, v in manifest.items() if k != integrity.SEAL})
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(store.IndexCorrupt, match="not the one"):
        store.load(collection / "index")


def test_citebot_reindex_says_it_appended_and_ask_cites_the_new_document(collection):
    env = {"CITEBOT_DATA_DIR": str(collection / "data"), "CITEBOT_INDEX_DIR": str(collection / "index")}
    (collection / "data" / "tea.md").write_text(TEA, encoding="utf-8")
    result = citebot("reindex", env=env)
    assert result.returncode == 0, result.stderr
    assert "appended 1 new document(s)" in result.stdout
    asked = citebot("ask", "--json", TEA_QUESTION, env=env)
    reply = json.loads(asked.stdout)
    assert reply["excerpts"][0]["doc"] == "tea" and "eighty degrees" in reply["excerpts"][0]["text"]


@pytest.mark.parametrize("change", ["append", "rebuild"])
def test_a_disk_that_refuses_writes_fails_the_reindex_in_one_line_and_leaves_nothing_behind(collection, change):
    """Writing the new generation fails part way (files may grow no larger than 100 kB, as on a
    nearly full disk): `citebot reindex` says why in one line, the unfinished generation is removed at
    once to give the space back, and the live index goes on answering; with room again, it works."""
    index_dir = collection / "index"
    env = {"CITEBOT_DATA_DIR": str(collection / "data"), "CITEBOT_INDEX_DIR": str(index_dir)}
    live = (index_dir / "current").resolve()
    if change == "append":
        (collection / "data" / "tea.md").write_text(TEA, encoding="utf-8")
    else:
        article = collection / "data" / "mongolia-defector-dilemma.md"
        article.write_text(article.read_text(encoding="utf-8") + "\n\n蒙古将于明年举办国际象棋节。\n", encoding="utf-8")

    result = citebot("reindex", env=env, file_size_limit=100_000)

    assert result.returncode == 1
    assert "cannot write a new index" in result.stderr and "File too large" in result.stderr
    assert "the live index is unchanged" in result.stderr and "Traceback" not in result.stderr
    assert (index_dir / "current").resolve() == live
    assert [p.name for p in (index_dir / "generations").iterdir()] == [live.name]
    asked = json.loads(citebot("ask", "--json", "Why did North Korea recall its ambassador?", env=env).stdout)
    assert asked["status"] == "answered" and "召回驻蒙古大使" in asked["excerpts"][0]["text"]
    assert citebot("reindex", env=env).returncode == 0
    assert (index_dir / "current").resolve() != live


def test_a_reindex_while_another_process_builds_is_refused_and_changes_nothing(collection):
    """Two builds from the same live generation would each swap in their own, the later dropping
    what the other appended; the second is refused instead, in the CLI and in the bot's library."""
    index_dir = collection / "index"
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(index_dir / store.BUILD_LOCK)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        live = (index_dir / "current").resolve()
        (collection / "data" / "tea.md").write_text(TEA, encoding="utf-8")
        env = {"CITEBOT_DATA_DIR": str(collection / "data"), "CITEBOT_INDEX_DIR": str(index_dir)}
        result = citebot("reindex", env=env)
        assert result.returncode == 1 and "another process is building the index" in result.stderr
        assert "Traceback" not in result.stderr
        library = Library.open(collection / "data", index_dir, embedder())
        with pytest.raises(ReindexInProgress):
            library.reindex()
        assert (index_dir / "current").resolve() == live
    finally:
        holder.kill()
        holder.wait()
    assert library.reindex().appended == 1  # the lock went with the process that held it


LOCK_HOLDER = """
import fcntl, sys, time
lock = open(sys.argv[1], "a")
fcntl.flock(lock, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(120)
"""


def test_an_added_part_damaged_under_a_running_bot_is_built_whole_next_time(collection, caplog):
    """The bot's collection in memory was verified when loaded; the damaged part on disk cannot be
    appended to, so the next reindex builds the collection whole from what the bot holds."""
    library = Library.open(collection / "data", collection / "index", embedder())
    (collection / "data" / "small-en.md").write_text(SMALL_EN, encoding="utf-8")
    generation = library.reindex().generation
    (generation / store.ADDED / store.CHUNK_NAMES).write_text("garbage\n", encoding="utf-8")
    (collection / "data" / "tea.md").write_text(TEA, encoding="utf-8")
    report = library.reindex()
    assert report.appended == 0 and report.reused_vectors == report.chunks - 1
    assert "building the collection whole instead of appending" in caplog.text
    assert library.answer(TEA_QUESTION).excerpts[0].doc == "tea"
    assert library.answer(BREAD_QUESTION).excerpts[0].doc == "small-en"
    assert len(store.load(collection / "index").chunks) == report.chunks


def test_appending_to_a_generation_another_process_rebuilt_answers_from_that_one(collection):
    """The bot appends to the live generation, which another process may have rebuilt since the bot
    loaded its own: what the bot held of the older one must not leak into the answers."""
    (collection / "data" / "small-en.md").write_text(SMALL_EN, encoding="utf-8")
    Library.open(collection / "data", collection / "index", embedder()).reindex()
    bot = Library.open(collection / "data", collection / "index", embedder())
    assert "forty minutes" in bot.answer(BREAD_QUESTION).excerpts[0].text
    (collection / "data" / "small-en.md").write_text(SMALL_EN.replace("forty", "fifty"), encoding="utf-8")
    assert Library.open(collection / "data", collection / "index", embedder()).reindex().appended == 0
    (collection / "data" / "tea.md").write_text(TEA, encoding="utf-8")
    assert bot.reindex().appended == 1
    assert "fifty minutes" in bot.answer(BREAD_QUESTION).excerpts[0].text
    reader = Library.open(collection / "data", collection / "index", embedder())
    for question in questions():
        assert ranking(bot, question) == ranking(reader, question), question


def test_the_collection_an_append_replaces_is_freed_at_once(collection):
    """A replaced collection must not wait for the cycle collector (which may run rarely) to give
    its memory back: at a million chunks it is gigabytes."""
    import gc
    import weakref

    library = Library.open(collection / "data", collection / "index", embedder())
    library.answer(TEA_QUESTION)  # excerpts cached, paragraphs rebuilt
    replaced = weakref.ref(library.searcher.stored)
    (collection / "data" / "tea.md").write_text(TEA, encoding="utf-8")
    gc.disable()
    try:
        library.reindex()
        assert library.answer(TEA_QUESTION).excerpts[0].doc == "tea"
        assert replaced() is None
    finally:
        gc.enable()


def test_a_rebuild_gives_back_the_dictionary_only_building_reads(collection):
    """CC-CEDICT (about 90 MB) glosses the chunks of a build; no question reads it, so a running bot
    does not keep it between its rare rebuilds, and the next one loads it again."""
    from citebot.index.retrieval import terms

    library = Library.open(collection / "data", collection / "index", embedder())
    (collection / "data" / "tea.md").write_text(TEA, encoding="utf-8")
    assert library.reindex().appended == 1
    assert terms._cedict.cache_info().currsize == 0
    library.answer(BREAD_QUESTION)
    assert terms._cedict.cache_info().currsize == 0
    (collection / "data" / "tea.md").write_text(TEA.replace("eighty", "seventy"), encoding="utf-8")
    library.reindex()
    assert "seventy degrees" in library.answer(TEA_QUESTION).excerpts[0].text
