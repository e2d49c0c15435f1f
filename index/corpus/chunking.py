"""Split documents into citable chunks: sentence windows inside each paragraph."""

from __future__ import annotations

from dataclasses import dataclass

from citebot.index.corpus.documents import Document
from citebot.index.corpus.text import split_sentences

WINDOW_SENTENCES = 2
MAX_WINDOW_CHARS = 320


@dataclass(frozen=True)
class Chunk:
    id: int
    doc: str
    doc_title: str
    section: str
    paragraph: int
    first_sentence: int
    sentences: int
    text: str
    doc_byline: str = ""

    def as_dict(self) -> dict:
        return self.__dict__.copy()

    def overlaps(self, other: Chunk) -> bool:
        return (self.doc, self.paragraph) == (other.doc, other.paragraph) and (
            self.first_sentence < other.first_sentence + other.sentences
            and other.first_sentence < self.first_sentence + self.sentences
        )


def chunk_documents(documents: list[Document]) -> list[Chunk]:
    chunks: list[Chunk] = []
    for doc in documents:
        for paragraph in doc.paragraphs:
            for first, count, text in sentence_windows(paragraph.text):
                chunks.append(
                    Chunk(
                        id=len(chunks),
                        doc=doc.id,
                        doc_title=doc.info.title,
                        section=paragraph.section,
                        paragraph=paragraph.number,
                        first_sentence=first,
                        sentences=count,
                        text=text,
                        doc_byline=doc.info.byline,
                    )
                )
    return chunks


def sentence_windows(text: str) -> list[tuple[int, int, str]]:
    """Overlapping windows of up to WINDOW_SENTENCES sentences, each a verbatim slice of text.

    A window never grows past MAX_WINDOW_CHARS unless a single sentence is longer already, and
    a paragraph of one sentence yields one window.
    """
    sentences = [s.strip() for s in split_sentences(text)]
    windows: list[tuple[int, int, str]] = []
    for first in range(len(sentences)):
        window, count = sentences[first], 1
        for following in sentences[first + 1 : first + WINDOW_SENTENCES]:
            if len(window) + len(following) > MAX_WINDOW_CHARS:
                break
            window, count = verbatim_span(text, window, following), count + 1
        if not windows or window not in windows[-1][2]:
            windows.append((first, count, window))
    return windows


def verbatim_span(text: str, start_piece: str, end_piece: str) -> str:
    """The slice of text from start_piece through the next end_piece, spacing kept as written."""
    start = text.index(start_piece)
    end = text.index(end_piece, start + len(start_piece)) + len(end_piece)
    return text[start:end]
