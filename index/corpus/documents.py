"""Documents on disk: plain text or Markdown with YAML front matter, or a saved web page.

Everything in a document is untrusted: front matter is read without YAML aliases, its fields must
be text within length limits, and ids must be simple slugs.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml

from citebot.index.corpus.datadir import SUFFIXES as SUFFIXES  # re-exported: bot/uploads.py reads it here
from citebot.index.corpus.datadir import OversizeDocument, TooManyDocuments, document_paths, read_bounded
from citebot.index.corpus.ids import InvalidDocumentId, check_document_id, id_from_file_name
from citebot.index.corpus.limits import DEFAULT_LIMITS, DocumentLimits
from citebot.index.corpus.text import CJK

FIELDS = ("id", "title", "original_title", "publication", "date", "language", "source")
HTML_SUFFIXES = (".html", ".htm")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^---[ \t]*(?:\n|\Z)", re.DOTALL | re.MULTILINE)
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


def load_documents(data_dir: Path, limits: DocumentLimits = DEFAULT_LIMITS) -> list[Document]:
    """Every document under data_dir, sorted by id; see `datadir` for what is never read.

    A document that breaks a limit or cannot be parsed fails the whole load with a DocumentError
    naming the file, so that the live index keeps answering until the file is fixed.
    """
    try:
        paths = document_paths(data_dir, limits)
    except (TooManyDocuments, OSError) as exc:
        raise DocumentError(str(exc)) from exc
    documents = [read_document(p, limits) for p in paths]
    seen: dict[str, Path] = {}
    for doc, path in zip(documents, paths, strict=True):
        if doc.id in seen:
            raise DocumentError(f"{path}: document id {doc.id!r} is also used by {seen[doc.id]}")
        seen[doc.id] = path
    return sorted(documents, key=lambda d: d.id)


def read_document(path: Path, limits: DocumentLimits = DEFAULT_LIMITS) -> Document:
    try:
        raw = read_bounded(path, limits)
    except OversizeDocument as exc:
        raise DocumentError(f"{path}: {exc}") from exc
    except OSError as exc:
        raise DocumentError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    return parse_document(raw, path, limits)


def parse_document(raw: bytes, path: Path, limits: DocumentLimits = DEFAULT_LIMITS) -> Document:
    """A document from a file's bytes; `path` gives its name and kind. Raises DocumentError only."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{path}: not UTF-8 text ({exc})") from exc
    if path.suffix.lower() in HTML_SUFFIXES:
        meta, body = html_article(text, path)
        meta = {key: _clip(value, _field_limit(key, limits)) for key, value in meta.items()}
    else:
        meta, body = split_front_matter(text, path, limits)
    paragraphs = parse_paragraphs(body)
    if not paragraphs:
        raise DocumentError(f"{path}: no text")
    info = DocumentInfo(
        id=document_id(meta.get("id"), path),
        title=meta.get("title") or first_line(paragraphs),
        **{key: meta.get(key, "") for key in ("original_title", "publication", "date", "language", "source")},
    )
    return Document(info=info, paragraphs=tuple(paragraphs), digest=hashlib.sha256(raw).hexdigest())


def document_id(declared: str | None, path: Path) -> str:
    try:
        return check_document_id(declared) if declared else id_from_file_name(path.stem)
    except InvalidDocumentId as exc:
        hint = "" if declared else "; give it an `id:` in the front matter"
        raise DocumentError(f"{path}: {exc}{hint}") from exc


class _FrontMatterLoader(yaml.SafeLoader):
    """safe_load without anchors and aliases (front matter needs none, and aliases allow bombs),
    reading every plain value as the text it is: YAML 1.1 would make `language: no` false,
    `id: 0x1F` 31 and `date: 2025-02-30` an error."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in front matter", self.peek_event().start_mark
            )
        return super().compose_node(parent, index)


_NULL = "tag:yaml.org,2002:null"
_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag == _NULL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def split_front_matter(text: str, path: Path, limits: DocumentLimits = DEFAULT_LIMITS) -> tuple[dict, str]:
    """The validated front matter fields (as text) and the body after it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    if len(match.group(1).encode("utf-8")) > limits.max_front_matter_bytes:
        raise DocumentError(f"{path}: front matter is over {limits.max_front_matter_bytes // 1024} KB")
    try:
        meta = yaml.load(match.group(1), Loader=_FrontMatterLoader) or {}  # a SafeLoader subclass
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError) as exc:
        # ValueError and OverflowError: an explicit tag (!!timestamp 2025-02-30, !!int with 5,000
        # digits); RecursionError: thousands of nested brackets.
        reason = str(exc) or type(exc).__name__
        raise DocumentError(f"{path}: front matter is not valid YAML ({reason})") from exc
    if not isinstance(meta, dict):
        raise DocumentError(f"{path}: front matter must be a mapping")
    return {key: _field_text(meta[key], key, path, limits) for key in FIELDS if meta.get(key) is not None}, text[
        match.end() :
    ]


def _field_text(value: object, key: str, path: Path, limits: DocumentLimits) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if not isinstance(value, (str, int, float)):
        raise DocumentError(f"{path}: front matter field {key!r} must be text, not {type(value).__name__}")
    text, limit = str(value), _field_limit(key, limits)
    if len(text) > limit:
        raise DocumentError(f"{path}: front matter field {key!r} is {len(text)} characters, the limit is {limit}")
    return text


def _field_limit(key: str, limits: DocumentLimits) -> int:
    return limits.max_title_chars if key in ("title", "original_title") else limits.max_field_chars


def _clip(value: object, limit: int) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def html_article(html: str, path: Path) -> tuple[dict, str]:
    """The main text of a web page as Markdown (navigation, footers and comments dropped) and its metadata."""
    try:
        return _html_article(html, path)
    except DocumentError:
        raise
    except Exception as exc:  # a third-party parser on untrusted input may raise anything
        raise DocumentError(f"{path}: the page cannot be read ({type(exc).__name__}: {exc})") from exc


def _html_article(html: str, path: Path) -> tuple[dict, str]:
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
