"""A collection's chunks as columns, not a Python object per chunk.

A million chunks as Chunk objects held about 900 MB and took seconds to parse on every load. Here
each field is a numpy column, documents and sections are stored once and referred to by number,
and the texts are UTF-8 buffers (a memory map of the generation's file, so they stay on disk until
cited) with each text's byte span. A Chunk is made only for a row that is asked for.

A collection with appended documents is the base's table followed by the part's: texts then come
from more than one buffer, and rows go on counting across them.
"""

from __future__ import annotations

import operator
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np

from citebot.index.corpus.chunking import Chunk

INTEGER_COLUMNS = ("doc", "section", "paragraph", "first_sentence", "sentences")


@dataclass(frozen=True)
class Texts:
    """Texts as UTF-8 buffers: text i is bytes starts[i]:starts[i + 1] counted across the buffers
    laid end to end (a text never spans two)."""

    buffers: tuple  # bytes, or read-only memory maps of chunk_texts.txt
    starts: np.ndarray  # int64, one more than texts
    buffer_starts: tuple[int, ...]  # where each buffer begins, counted the same way

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, row: int) -> str:
        start, end = int(self.starts[row]), int(self.starts[row + 1])
        at = bisect_right(self.buffer_starts, start) - 1 if len(self.buffers) > 1 else 0
        base = self.buffer_starts[at]
        return bytes(self.buffers[at][start - base : end - base]).decode("utf-8")

    @classmethod
    def of(cls, texts: Iterable[str]) -> Texts:
        encoded = [text.encode("utf-8") for text in texts]
        starts = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=starts[1:])
        return cls((b"".join(encoded),), starts, (0,))

    def rows(self, start: int, stop: int) -> Texts:
        return Texts(self.buffers, self.starts[start : stop + 1], self.buffer_starts)

    def concatenated(self, added: Texts) -> Texts:
        shift = self.buffer_starts[-1] + len(self.buffers[-1])
        return Texts(
            self.buffers + added.buffers,
            np.concatenate([self.starts[:-1], added.starts - added.buffer_starts[0] + shift]),
            self.buffer_starts + tuple(at - added.buffer_starts[0] + shift for at in added.buffer_starts),
        )

    def buffer_spans(self) -> Iterator[memoryview]:
        """The bytes this table's texts occupy, in order: what chunk_texts.txt is written from."""
        for at, buffer in enumerate(self.buffers):
            base = self.buffer_starts[at]
            begin = max(int(self.starts[0]) - base, 0)
            end = min(int(self.starts[-1]) - base, len(buffer))
            if end > begin:
                yield memoryview(buffer)[begin:end]


@dataclass(frozen=True, eq=False)
class ChunkTable(Sequence[Chunk]):
    """Rows of chunks in vector order; row i is the chunk whose id is i."""

    documents: tuple[tuple[str, str, str], ...]  # (id, title, byline) of each document referred to
    sections: tuple[str, ...]
    doc: np.ndarray  # int32 index into documents
    section: np.ndarray  # int32 index into sections
    paragraph: np.ndarray  # int32
    first_sentence: np.ndarray  # int32
    sentences: np.ndarray  # int32
    boilerplate: np.ndarray  # bool: the chunk quotes its own document's metadata (retrieval/prior.py)
    texts: Texts

    def __len__(self) -> int:
        return len(self.doc)

    @overload
    def __getitem__(self, row: int) -> Chunk: ...
    @overload
    def __getitem__(self, row: slice) -> ChunkTable: ...
    def __getitem__(self, row: int | slice) -> Chunk | ChunkTable:
        if isinstance(row, slice):
            start, stop, step = row.indices(len(self))
            if step != 1:
                raise ValueError("a chunk table is sliced in order")
            return self.rows(start, max(start, stop))
        row = operator.index(row)  # a numpy row number becomes the int a Chunk's id is
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(row)
        doc_id, title, byline = self.documents[int(self.doc[row])]
        return Chunk(
            id=row,
            doc=doc_id,
            doc_title=title,
            section=self.sections[int(self.section[row])],
            paragraph=int(self.paragraph[row]),
            first_sentence=int(self.first_sentence[row]),
            sentences=int(self.sentences[row]),
            text=self.texts[row],
            doc_byline=byline,
        )

    def __iter__(self) -> Iterator[Chunk]:
        return (self[row] for row in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or len(other) != len(self):
            return False
        return all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # equal to lists of the same chunks, as a list is

    @classmethod
    def of(cls, chunks: Sequence[Chunk], boilerplate: np.ndarray | None = None) -> ChunkTable:
        """The table of `chunks` (ids their rows); `boilerplate` marks the chunks that restate their
        document's metadata (the retrieval prior finds them when the index is built; none if not given)."""
        if isinstance(chunks, ChunkTable):
            return chunks
        docs = {(c.doc, c.doc_title, c.doc_byline): None for c in chunks}
        doc_number = {key: n for n, key in enumerate(docs)}
        sections = {c.section: None for c in chunks}
        section_number = {name: n for n, name in enumerate(sections)}

        def column(values: Iterable[int]) -> np.ndarray:
            return np.fromiter(values, dtype=np.int32, count=len(chunks))

        return cls(
            documents=tuple(docs),
            sections=tuple(sections),
            doc=column(doc_number[(c.doc, c.doc_title, c.doc_byline)] for c in chunks),
            section=column(section_number[c.section] for c in chunks),
            paragraph=column(c.paragraph for c in chunks),
            first_sentence=column(c.first_sentence for c in chunks),
            sentences=column(c.sentences for c in chunks),
            boilerplate=np.zeros(len(chunks), bool) if boilerplate is None else np.asarray(boilerplate, bool),
            texts=Texts.of(c.text for c in chunks),
        )

    def rows(self, start: int, stop: int) -> ChunkTable:
        """Rows start to stop as a table of their own (row start becomes row 0); texts are shared."""
        return ChunkTable(
            documents=self.documents,
            sections=self.sections,
            doc=self.doc[start:stop],
            section=self.section[start:stop],
            paragraph=self.paragraph[start:stop],
            first_sentence=self.first_sentence[start:stop],
            sentences=self.sentences[start:stop],
            boilerplate=self.boilerplate[start:stop],
            texts=self.texts.rows(start, stop),
        )

    def concatenated(self, added: ChunkTable) -> ChunkTable:
        """These rows, then those of `added` (whose ids go on from here)."""
        return ChunkTable(
            self.documents + added.documents,
            self.sections + added.sections,
            doc=np.concatenate([self.doc, added.doc + len(self.documents)]).astype(np.int32),
            section=np.concatenate([self.section, added.section + len(self.sections)]).astype(np.int32),
            paragraph=np.concatenate([self.paragraph, added.paragraph]),
            first_sentence=np.concatenate([self.first_sentence, added.first_sentence]),
            sentences=np.concatenate([self.sentences, added.sentences]),
            boilerplate=np.concatenate([self.boilerplate, added.boilerplate]),
            texts=self.texts.concatenated(added.texts),
        )

    def document_rows(self) -> dict[str, np.ndarray]:
        """Each document's rows, ascending."""
        order = np.argsort(self.doc, kind="stable")
        bounds = np.searchsorted(self.doc[order], np.arange(len(self.documents) + 1))
        rows: dict[str, list[np.ndarray]] = {}
        for number, (doc_id, _, _) in enumerate(self.documents):
            if bounds[number + 1] > bounds[number]:
                rows.setdefault(doc_id, []).append(order[bounds[number] : bounds[number + 1]])
        return {doc_id: np.sort(np.concatenate(parts)).astype(np.int64) for doc_id, parts in rows.items()}

    def paragraph_rows(self, row: int) -> range:
        """The rows of the windows of row's paragraph: they lie side by side, as chunking makes them
        and as whole documents are appended."""
        first = last = row
        while first > 0 and self._same_paragraph(first - 1, row):
            first -= 1
        while last + 1 < len(self) and self._same_paragraph(last + 1, row):
            last += 1
        return range(first, last + 1)

    def _same_paragraph(self, other: int, row: int) -> bool:
        return bool(
            self.documents[self.doc[other]][0] == self.documents[self.doc[row]][0]
            and self.paragraph[other] == self.paragraph[row]
        )

    def names(self) -> dict:
        """What chunk_names.json holds."""
        return {"documents": [list(d) for d in self.documents], "sections": list(self.sections)}

    def columns(self) -> dict[str, np.ndarray]:
        """What chunk_columns.npz holds; text starts count from the first of these texts."""
        return {
            **{name: getattr(self, name) for name in INTEGER_COLUMNS},
            "boilerplate": self.boilerplate,
            "text_starts": self.texts.starts - self.texts.starts[0],
        }
