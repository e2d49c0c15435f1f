"""A prior against boilerplate: paragraphs that restate a document's own metadata.

An attribution line ("this article was published under the title … in The Diplomat on …")
shares the document's title words, names and date with nearly every question, so a vague
question lands on it. It is found from structure, not content: a paragraph that quotes the
document's title, original title or publication. It still answers when asked about directly
(its lexical match carries it), but no longer wins by default.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from citebot.index.corpus.chunking import Chunk
from citebot.index.corpus.text import squash

BOILERPLATE_PENALTY = 0.05
MIN_NAME_CHARS = 4


def metadata_names(document: dict) -> list[str]:
    """The strings a paragraph restating this document's metadata would quote."""
    names = [normal(document.get(key) or "") for key in ("title", "original_title", "publication")]
    return [name for name in names if len(name) >= MIN_NAME_CHARS]


def normal(text: str) -> str:
    return squash(text).lower().replace("’", "'")


def boilerplate(chunks: Sequence[Chunk], documents: Sequence[dict]) -> np.ndarray:
    """True for each chunk that quotes its own document's title, original title or publication."""
    names = {d.get("id"): metadata_names(d) for d in documents}
    return np.array([any(name in normal(c.text) for name in names.get(c.doc, ())) for c in chunks], dtype=bool)


def prior(boilerplate_rows: np.ndarray, penalty: float = BOILERPLATE_PENALTY) -> np.ndarray:
    """A score offset per chunk: minus `penalty` for boilerplate (found when the index is built,
    chunk_table.py), zero elsewhere."""
    return np.where(boilerplate_rows, -penalty, 0.0).astype(np.float32)
