"""The data directory is a boundary: only regular files inside it are read.

A link that resolves outside the directory (`ln -s /proc/self/environ data/environ.txt`), a FIFO
or a device is skipped with a warning naming it; linked folders are not entered. Hidden files and
folders (`.git`) and README files are not documents.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from citebot.index.corpus.limits import DocumentLimits

log = logging.getLogger(__name__)
SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")


class TooManyDocuments(ValueError):
    """More candidate documents than the limit; the message names the directory and the limit."""


def document_paths(data_dir: Path, limits: DocumentLimits) -> list[Path]:
    """The document files under data_dir, as found there (links not resolved), sorted."""
    root = Path(os.path.realpath(data_dir))  # the directory itself may be a link, e.g. a mounted volume
    found: dict[str, Path] = {}
    for folder, folders, files in os.walk(root):
        folders[:] = sorted(name for name in folders if _enterable(Path(folder) / name, root))
        for name in sorted(files):
            path = Path(folder) / name
            if not _is_candidate(path):
                continue
            real = _readable_target(path, root)
            if real is not None and (real not in found or found[real].is_symlink()):
                found[real] = path  # a file reached by a link inside and by its own name: the name wins
            if len(found) > limits.max_documents:
                raise TooManyDocuments(
                    f"more than {limits.max_documents} documents in {data_dir}; "
                    "remove some or raise CITEBOT_MAX_DOCUMENTS"
                )
    return sorted(found.values())


def _is_candidate(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES and path.stem.lower() != "readme" and not path.name.startswith(".")


def _enterable(folder: Path, root: Path) -> bool:
    if folder.name.startswith("."):
        return False
    if folder.is_symlink():  # os.walk does not follow it; say so when it leads outside
        target = os.path.realpath(folder)
        if not _inside(target, root):
            log.warning("skipped %s: it links to %s, outside the data directory %s", folder, target, root)
        return False
    return True


def _readable_target(path: Path, root: Path) -> str | None:
    """The real path of a document file, or None (with a warning) when it must not be read."""
    real = os.path.realpath(path)
    if not _inside(real, root):
        log.warning("skipped %s: it links to %s, outside the data directory %s", path, real, root)
        return None
    try:
        mode = os.stat(real).st_mode
    except OSError as exc:
        log.warning("skipped %s: %s", path, exc.strerror or exc)
        return None
    if not stat.S_ISREG(mode):
        log.warning("skipped %s: not a regular file", path)
        return None
    return real


def read_bounded(path: Path, limits: DocumentLimits) -> bytes:
    """The bytes of a document file, refusing anything but a regular file within the size limit.

    The real path is opened without following a final link and without blocking, then checked
    again on the open file, so a file swapped for a link or a FIFO after the walk is not read.
    """
    fd = os.open(os.path.realpath(path), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path} is not a regular file")
        if info.st_size > limits.max_document_bytes:
            raise OversizeDocument(limits.describe_size(info.st_size))
        data = handle.read(limits.max_document_bytes + 1)
    if len(data) > limits.max_document_bytes:
        raise OversizeDocument(limits.describe_size(len(data)))
    return data


class OversizeDocument(ValueError):
    """A document larger than the limit; the message gives its size and the limit."""


def _inside(real: str, root: Path) -> bool:
    return os.path.commonpath([real, str(root)]) == str(root)
