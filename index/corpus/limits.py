"""Bounds on what the data directory may hold, so that no file can stall or bloat a build."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class DocumentLimits:
    max_document_bytes: int = 5 * MB  # CITEBOT_MAX_DOCUMENT_MB
    max_documents: int = 1000  # CITEBOT_MAX_DOCUMENTS
    max_title_chars: int = 300  # title and original_title
    max_field_chars: int = 2000  # publication, date, language, source
    max_front_matter_bytes: int = 64 * 1024

    def describe_size(self, size: int) -> str:
        return (
            f"{human_size(size)}, over the {human_size(self.max_document_bytes)} limit for a document "
            "(CITEBOT_MAX_DOCUMENT_MB)"
        )


def human_size(size: int) -> str:
    if size >= MB:
        return f"{size / MB:.3g} MB"
    return f"{size / 1024:.3g} KB" if size >= 1024 else f"{size} bytes"


DEFAULT_LIMITS = DocumentLimits()
