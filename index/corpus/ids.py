"""Document ids: the names users type after `#` and that files in the data directory are named by.

An id is a simple slug, so that no id from a user, an admin or a front matter can name a path
outside the data directory ("../../x", "/etc/passwd") or a hidden file.
"""

from __future__ import annotations

import re

MAX_ID_CHARS = 100
_SLUG = re.compile(r"\w[\w.-]*")
_NOT_SLUG = re.compile(r"[^\w.-]+")
RESERVED = {"readme"}  # README files in the data directory are not documents


class InvalidDocumentId(ValueError):
    """An id that is not a simple slug; the message says what is allowed."""


def check_document_id(candidate: str) -> str:
    """candidate if it is a valid document id, else InvalidDocumentId saying why."""
    if not isinstance(candidate, str) or not candidate:
        raise InvalidDocumentId("a document id cannot be empty")
    if len(candidate) > MAX_ID_CHARS:
        raise InvalidDocumentId(f"document id is {len(candidate)} characters long, the limit is {MAX_ID_CHARS}")
    if not _SLUG.fullmatch(candidate) or ".." in candidate or candidate.endswith("."):
        raise InvalidDocumentId(
            f"document id {candidate!r} is not a simple slug: use letters, digits, '-', '_' and single "
            "dots, starting with a letter or digit (no '/', no '..')"
        )
    if candidate.lower() in RESERVED:
        raise InvalidDocumentId(f"document id {candidate!r} is reserved")
    return candidate


def id_from_file_name(stem: str) -> str:
    """A file's stem as an id, other characters turned into '-': 'My Notes' -> 'My-Notes'."""
    slug = _NOT_SLUG.sub("-", stem).strip("-.")
    return check_document_id(re.sub(r"\.{2,}", ".", slug)[:MAX_ID_CHARS])
