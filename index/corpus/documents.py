"""Documents on disk: plain text or Markdown with YAML front matter."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from citebot.index.corpus.text import CJK

SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")


class DocumentError(ValueError):
    """A document that cannot be read; the message names the file."""


@dataclass(frozen=True)
class Paragraph:
    section: str
    number: int
    text: str


@dataclass(frozen=True)
class DocumentInfo:
    id: str
    title: str
    original_title: str = ""
    publication: str = ""
    date: str = ""
    language: str = ""
    source: str = ""
    chunks: int = 0

    @property
    def byline(self) -> str:
        """Where and when the document was published, for citations: "The Diplomat, 2025-11-04"."""
        return ", ".join(part for part in (self.publication, self.date) if part)


@dataclass(frozen=True)
class Document:
    info: DocumentInfo
    paragraphs: tuple[Paragraph, ...]
    digest: str = field(default="")

    @property
    def id(self) -> str:
        return self.info.id


def load_documents(data_dir: Path) -> list[Document]:
    """Every readable document under data_dir, sorted by id; README files are skipped."""
    paths = sorted(
        p
        for p in Path(data_dir).rglob("*")
        if p.is_file() and p.suffix.lower() in SUFFIXES and p.stem.lower() != "readme"
    )
    documents = [read_document(p) for p in paths]
    seen: dict[str, Path] = {}
    for doc, path in zip(documents, paths, strict=True):
        if doc.id in seen:
            raise DocumentError(f"{path}: document id {doc.id!r} is also used by {seen[doc.id]}")
        seen[doc.id] = path
    return sorted(documents, key=lambda d: d.id)


def read_document(path: Path) -> Document:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{path}: not UTF-8 text ({exc})") from exc
    meta, body = html_article(text, path) if path.suffix.lower() in HTML_SUFFIXES else split_front_matter(text, path)
    paragraphs = parse_paragraphs(body)
    if not paragraphs:
        raise DocumentError(f"{path}: no text")
    info = DocumentInfo(
        id=str(meta.get("id") or path.stem),
        title=str(meta.get("title") or first_line(paragraphs)),
        original_title=str(meta.get("original_title", "")),
        publication=str(meta.get("publication", "")),
        date=_as_text(meta.get("date", "")),
        language=str(meta.get("language", "")),
        source=str(meta.get("source", "")),
    )
    return Document(info=info, paragraphs=tuple(paragraphs), digest=hashlib.sha256(raw).hexdigest())


def split_front_matter(text: str, path: Path) -> tuple[dict, str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise DocumentError(f"{path}: front matter is not valid YAML ({exc})") from exc
    if not isinstance(meta, dict):
        raise DocumentError(f"{path}: front matter must be a mapping")
    return meta, text[match.end() :]


def html_article(html: str, path: Path) -> tuple[dict, str]:
    """The main text of a web page as Markdown (navigation, footers and comments dropped) and its metadata."""
    try:
        import trafilatura
    except ImportError as exc:
        raise DocumentError(
            f"{path}: reading saved web pages ({', '.join(HTML_SUFFIXES)}) needs the html extra: "
            "pip install 'citebot[html]'"
        ) from exc

    body = trafilatura.extract(html, output_format="markdown", include_comments=False, include_tables=False)
    if not body:
        raise DocumentError(f"{path}: no article text found in the page")
    found = trafilatura.extract_metadata(html)
    language = re.search(r"<html[^>]*\blang=[\"']?([A-Za-z-]+)", html, re.IGNORECASE)
    meta = {
        "title": found.title if found else None,
        "date": found.date if found else None,
        "publication": found.sitename if found else None,
        "source": found.url if found and found.url else path.name,
        "language": language.group(1) if language else "",
    }
    return {k: v for k, v in meta.items() if v}, body


def parse_paragraphs(body: str) -> list[Paragraph]:
    """Paragraphs numbered through the document, each tagged with the heading above it."""
    blocks = re.split(r"\n\s*\n", body) if re.search(r"\n\s*\n", body) else body.splitlines()
    section, number, paragraphs = "", 0, []
    for block in blocks:
        lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
        if not lines:
            continue
        heading = _HEADING.match(lines[0])
        if heading:
            section = heading.group(1)
            lines = lines[1:]
            if not lines:
                continue
        number += 1
        paragraphs.append(Paragraph(section=section, number=number, text=join_lines(lines)))
    return paragraphs


def join_lines(lines: list[str]) -> str:
    """Join soft-wrapped lines: no space between CJK characters, one space otherwise."""
    text = lines[0]
    for line in lines[1:]:
        glue = "" if CJK.search(text[-1:]) and CJK.search(line[:1]) else " "
        text += glue + line
    return text


def first_line(paragraphs: list[Paragraph]) -> str:
    return paragraphs[0].text[:80]


def _as_text(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
