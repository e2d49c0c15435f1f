"""Checksums that let a generation prove it is what was written.

Every file of a generation is listed in its manifest with its size and SHA-256, whatever the file
is, so a file added to generations later is covered without changes here. The manifest itself is
sealed with a SHA-256 over its own canonical JSON, so an edited count or model name is caught too.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import re
from pathlib import Path

SEAL = "manifest_sha256"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


class IntegrityError(ValueError):
    """A file of a generation is missing, of the wrong size, or not what was written."""


def file_entries(directory: Path, exclude: str) -> dict[str, dict]:
    """Size and SHA-256 of every regular file directly in directory except `exclude`."""
    entries = {}
    for path in sorted(directory.iterdir()):
        if path.name == exclude or not path.is_file():
            continue
        data = path.read_bytes()
        entries[path.name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    return entries


def read_verified(
    directory: Path, entries: object, required: tuple[str, ...], mapped: tuple[str, ...] = ()
) -> dict[str, bytes]:
    """The contents of every listed file but those in `mapped`, each checked against its size and
    checksum (map_verified gives the others)."""
    listed = _listed(entries, required)
    return {name: _read_entry(directory, name, entry) for name, entry in listed.items() if name not in mapped}


def map_verified(directory: Path, entries: object, name: str) -> bytes | mmap.mmap:
    """A listed file as a read-only memory map, checked as it is read (through the page cache, so
    the map itself holds no page until it is used)."""
    entry = _listed(entries, (name,))[name]
    path = _checked_path(directory, name, entry)
    with open(path, "rb") as file:
        if hashlib.file_digest(file, "sha256").hexdigest() != entry["sha256"]:
            raise IntegrityError(f"{name} does not match its checksum (changed since it was written)")
        if os.fstat(file.fileno()).st_size != entry["bytes"]:
            raise IntegrityError(f"{name} changed size while it was read")
        if not entry["bytes"]:
            return b""  # an empty file cannot be mapped
        return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)


def _listed(entries: object, required: tuple[str, ...]) -> dict:
    if not isinstance(entries, dict):
        raise IntegrityError("the manifest lists no files")
    missing = [name for name in required if name not in entries]
    if missing:
        raise IntegrityError(f"the manifest does not list {', '.join(missing)}")
    return entries


def _read_entry(directory: Path, name: object, entry: object) -> bytes:
    path = _checked_path(directory, name, entry)
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:  # type: ignore[index]  # checked above
        raise IntegrityError(f"{name} does not match its checksum (changed since it was written)")
    return data


def _checked_path(directory: Path, name: object, entry: object) -> Path:
    """The listed file's path, once its name and entry are well formed and its size is the one listed."""
    if not isinstance(name, str) or not _FILE_NAME.fullmatch(name):
        raise IntegrityError(f"the manifest lists a file named {name!r}")
    if not (
        isinstance(entry, dict)
        and isinstance(entry.get("bytes"), int)
        and isinstance(entry.get("sha256"), str)
        and _HEX64.fullmatch(entry["sha256"])
    ):
        raise IntegrityError(f"the manifest entry for {name} is malformed")
    path = directory / name
    if path.is_symlink() or not path.is_file():
        raise IntegrityError(f"{name} is missing or not a regular file")
    if path.stat().st_size != entry["bytes"]:
        raise IntegrityError(f"{name} has {path.stat().st_size} bytes, the manifest says {entry['bytes']}")
    return path


def seal(manifest: dict) -> dict:
    """The manifest with its own checksum added."""
    return {**manifest, SEAL: _manifest_digest(manifest)}


def check_seal(manifest: dict) -> None:
    if manifest.get(SEAL) != _manifest_digest(manifest):
        raise IntegrityError("manifest.json does not match its checksum (changed since it was written)")


def _manifest_digest(manifest: dict) -> str:
    body = {k: v for k, v in manifest.items() if k != SEAL}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
