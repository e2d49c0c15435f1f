"""Writing a document into the data directory: under a checked id, never over a file by accident."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from citebot.index.corpus.ids import check_document_id


class DocumentExists(FileExistsError):
    """A document file with that id is already in the data directory."""


def write_document(data_dir: Path, doc_id: str, text: str, replace: bool = False) -> Path:
    """Write text to data_dir/<doc_id>.md and return that path.

    Without `replace`, an existing file (or link) of that name is left alone and DocumentExists
    raised. With it, the new file is renamed over the name, replacing a link rather than
    writing through it.
    """
    data_dir = Path(data_dir)
    target = data_dir / f"{check_document_id(doc_id)}.md"
    data_dir.mkdir(parents=True, exist_ok=True)
    if not replace:
        try:
            with open(target, "x", encoding="utf-8") as out:
                out.write(text)
        except FileExistsError as exc:
            raise DocumentExists(f"{target} already exists") from exc
        return target
    fd, temp = tempfile.mkstemp(dir=data_dir, prefix=".import-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temp, 0o644)  # mkstemp's 0600 would differ from a file written the other way
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target
