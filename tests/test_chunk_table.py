"""Chunks stored as columns must read back as exactly the chunks written: any text (empty, emoji,
every script, control characters), any document and section names, sliced and appended."""

import mmap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citebot.index.corpus.chunk_table import ChunkTable
from citebot.index.corpus.chunking import Chunk
from citebot.index.storage import integrity, shapes, store

texts = st.text(max_size=40)
names = st.sampled_from(["", "a", "蒙古", "Улаанбаатар", "😀 doc", "x\u0301"])


@st.composite
def chunk_lists(draw, min_size: int = 0) -> list[Chunk]:
    rows = draw(
        st.lists(
            st.tuples(names, texts, st.integers(0, 9), st.integers(0, 5), st.integers(1, 3), texts),
            min_size=min_size,
            max_size=25,
        )
    )
    return [
        Chunk(
            id=i,
            doc=f"doc-{doc}",
            doc_title=f"title of {doc}",
            section=section,
            paragraph=paragraph,
            first_sentence=first,
            sentences=count,
            text=text,
            doc_byline="" if i % 2 else f"by {doc}",
        )
        for i, (doc, text, paragraph, first, count, section) in enumerate(rows)
    ]


def written_and_loaded(chunks: list[Chunk], directory) -> ChunkTable:
    """The table as the store writes it and reads it back (verified, shape-checked, memory-mapped)."""
    directory.mkdir(parents=True, exist_ok=True)
    store.write_chunks(directory, ChunkTable.of(chunks))
    entries = integrity.file_entries(directory, exclude="none")
    blobs = integrity.read_verified(directory, entries, (store.CHUNK_COLUMNS, store.CHUNK_NAMES))
    texts = integrity.map_verified(directory, entries, store.CHUNK_TEXTS)
    return shapes.chunk_table(blobs[store.CHUNK_COLUMNS], blobs[store.CHUNK_NAMES], texts, len(chunks))


@settings(max_examples=150, deadline=None)
@given(chunk_lists())
def test_a_table_reads_back_every_chunk_as_written(tmp_path_factory, chunks):
    table = written_and_loaded(chunks, tmp_path_factory.mktemp("table"))
    assert len(table) == len(chunks)
    assert list(table) == chunks
    assert all(table[i] == chunk for i, chunk in enumerate(chunks))
    assert table == chunks


@settings(max_examples=150, deadline=None)
@given(chunk_lists(min_size=1), chunk_lists(min_size=1), st.integers(0, 30), st.integers(0, 30))
def test_appended_and_sliced_tables_hold_the_rows_of_the_list(tmp_path_factory, base, added, start, stop):
    """An appended part's rows go on after the base's, ids included; texts come from both files."""
    directory = tmp_path_factory.mktemp("tables")
    combined = written_and_loaded(base, directory / "base").concatenated(written_and_loaded(added, directory / "part"))
    whole = base + [Chunk(**{**c.as_dict(), "id": c.id + len(base)}) for c in added]
    assert list(combined) == whole
    start, stop = sorted((min(start, len(whole)), min(stop, len(whole))))
    sliced = combined[start:stop]
    assert [c.text for c in sliced] == [c.text for c in whole[start:stop]]
    assert [c.doc for c in sliced] == [c.doc for c in whole[start:stop]]
    rewritten = written_and_loaded(list(sliced), directory / "rewritten")
    assert [c.text for c in rewritten] == [c.text for c in whole[start:stop]]


def test_document_rows_and_paragraph_rows_follow_the_columns():
    chunks = [
        Chunk(id=i, doc=doc, doc_title="", section="", paragraph=p, first_sentence=f, sentences=1, text=f"{doc}{p}{f}")
        for i, (doc, p, f) in enumerate([("a", 1, 0), ("a", 1, 1), ("a", 2, 0), ("b", 1, 0), ("b", 1, 1)])
    ]
    table = ChunkTable.of(chunks)
    assert {doc: rows.tolist() for doc, rows in table.document_rows().items()} == {"a": [0, 1, 2], "b": [3, 4]}
    assert [list(table.paragraph_rows(row)) for row in range(5)] == [[0, 1], [0, 1], [2], [3, 4], [3, 4]]


def resident_kb(path) -> int:
    """Resident kilobytes of this process's memory maps of `path` (Linux)."""
    total, inside = 0, False
    with open("/proc/self/smaps", encoding="utf-8") as smaps:
        for line in smaps:
            if "-" in line.split(" ", 1)[0]:  # a mapping's header
                inside = line.rstrip().endswith(str(path))
            elif inside and line.startswith("Rss:"):
                total += int(line.split()[1])
    return total


def test_loaded_texts_are_a_memory_map_that_holds_no_page_until_a_chunk_is_read(tmp_path):
    """What keeps a large collection's texts out of memory: the file is mapped, not read in, and
    the load's UTF-8 check lets go of the pages it read."""
    chunks = [
        Chunk(id=i, doc="d", doc_title="", section="", paragraph=i, first_sentence=0, sentences=1, text="字" * 4000)
        for i in range(2048)
    ]
    table = written_and_loaded(chunks, tmp_path / "t")
    texts_file = tmp_path / "t" / store.CHUNK_TEXTS
    assert isinstance(table.texts.buffers[0], mmap.mmap)
    assert resident_kb(texts_file) == 0
    assert table[1500].text == "字" * 4000
    assert 0 < resident_kb(texts_file) <= 2048  # a text's pages and the kernel's read-around, of 24 MB


def test_a_table_refuses_a_mismatched_row_count(tmp_path):
    chunks = [Chunk(id=0, doc="d", doc_title="", section="", paragraph=0, first_sentence=0, sentences=1, text="x")]
    store.write_chunks(tmp_path, ChunkTable.of(chunks))
    blobs = integrity.read_verified(tmp_path, integrity.file_entries(tmp_path, exclude="none"), ())
    with pytest.raises(shapes.ShapeError, match="column"):
        shapes.chunk_table(blobs[store.CHUNK_COLUMNS], blobs[store.CHUNK_NAMES], blobs[store.CHUNK_TEXTS], 2)


def test_boilerplate_is_found_from_the_documents_metadata():
    chunks = [
        Chunk(id=0, doc="d", doc_title="", section="", paragraph=0, first_sentence=0, sentences=1, text="Mongolia."),
        Chunk(
            id=1, doc="d", doc_title="", section="", paragraph=1, first_sentence=0, sentences=1, text="In The Diplomat."
        ),
    ]
    table = store.table_of(chunks, [{"id": "d", "title": "x", "publication": "The Diplomat"}])
    assert table.boilerplate.tolist() == [False, True]
    assert np.array_equal(table[1:].boilerplate, [True])
