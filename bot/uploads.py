"""Documents sent in the chat: checked, given front matter, and written into the data directory.

Pure checks first (nothing touches the disk until a file has passed them all), then a change to
the data directory that can be undone if the rebuild that follows fails.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePath

import yaml

from citebot.index.corpus.documents import (
    HTML_SUFFIXES,
    SUFFIXES,
    DocumentError,
    html_article,
    parse_paragraphs,
    read_document,
    split_front_matter,
)
from citebot.index.corpus.ids import InvalidDocumentId, id_from_file_name

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")


class UploadRefused(ValueError):
    """A file that cannot become a document; `reason` picks the message the admin gets."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Upload:
    doc_id: str
    file_name: str
    text: str  # the document as it will be written, front matter included


def document_id_for(file_name: str) -> str:
    """The document id a file name gives: its stem, other characters turned into '-'."""
    try:
        return id_from_file_name(PurePath(file_name).stem)
    except InvalidDocumentId as error:
        raise UploadRefused("bad_id", f"“{file_name}” gives no simple id") from error


def check_announced(file_name: str | None, size: int | None) -> tuple[str, str]:
    """Before downloading: the kind and size Telegram reports. Returns (document id, suffix)."""
    name = file_name or ""
    suffix = PurePath(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadRefused("wrong_type", name)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise UploadRefused("too_big")
    return document_id_for(name), suffix


def decode(raw: bytes) -> str:
    if len(raw) > MAX_UPLOAD_BYTES:
        raise UploadRefused("too_big")
    if b"\x00" in raw:
        raise UploadRefused("binary")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UploadRefused("not_utf8", str(error)) from None
    if not text.strip():
        raise UploadRefused("empty")
    return text


def prepare(raw: bytes, file_name: str, *, caption: str | None, added_by: str, today: date) -> Upload:
    """The document to write: the file's text with front matter (id, title, date added, who added it)."""
    doc_id, suffix = check_announced(file_name, len(raw))
    text = decode(raw)
    path = Path(file_name)
    try:
        meta, body = html_article(text, path) if suffix in HTML_SUFFIXES else split_front_matter(text, path)
    except DocumentError as error:
        raise UploadRefused("unreadable", str(error)) from None
    if not parse_paragraphs(body):
        raise UploadRefused("empty")
    meta = {**meta, "id": doc_id, "added": today.isoformat(), "added_by": added_by}
    if caption and caption.strip():
        meta["title"] = " ".join(caption.split())[:300]
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    return Upload(doc_id, file_name, f"---\n{front}---\n\n{body.strip()}\n")


def files_of(data_dir: Path, doc_id: str) -> list[Path]:
    """The files in the data directory that hold the document `doc_id`."""
    found = []
    for path in sorted(Path(data_dir).rglob("*")):
        if not path.is_file() or path.suffix.lower() not in SUFFIXES or path.stem.lower() == "readme":
            continue
        if path.stem == doc_id:
            found.append(path)
            continue
        try:
            if read_document(path).id == doc_id:
                found.append(path)
        except DocumentError:
            continue
    return found


def write_atomically(path: Path, content: bytes) -> None:
    """Readers see the old file or the whole new one, never a part (the temporary name is not a document's)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class DataDirChange:
    """Files to write (bytes) or delete (None) in the data directory, undoable until it is kept."""

    def __init__(self, changes: dict[Path, bytes | None]) -> None:
        self.changes = changes
        self._before: dict[Path, bytes | None] = {}

    def apply(self) -> None:
        """Writes first, then deletions: a write that fails (a full disk) leaves every file there."""
        for path, content in sorted(self.changes.items(), key=lambda change: change[1] is None):
            before = path.read_bytes() if path.exists() else None
            if content is None:
                path.unlink(missing_ok=True)
            else:
                write_atomically(path, content)
            self._before[path] = before  # only what was changed is undone

    def undo(self) -> None:
        for path, content in self._before.items():
            if content is None:
                path.unlink(missing_ok=True)
            else:
                write_atomically(path, content)


def adding(data_dir: Path, upload: Upload) -> DataDirChange:
    """Writes the upload as <id>.md, replacing any other file that held the same id."""
    target = Path(data_dir) / f"{upload.doc_id}.md"
    changes: dict[Path, bytes | None] = {path: None for path in files_of(data_dir, upload.doc_id) if path != target}
    changes[target] = upload.text.encode("utf-8")
    return DataDirChange(changes)


def removing(data_dir: Path, doc_id: str) -> DataDirChange:
    return DataDirChange({path: None for path in files_of(data_dir, doc_id)})
