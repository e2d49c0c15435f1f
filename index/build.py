"""Build an index generation from the documents in a data directory."""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import store
from .background import BACKGROUND
from .chunking import Chunk, chunk_documents
from .documents import DocumentError, load_documents
from .embedding import Embedder
from .terms import passage_terms

CHUNKER_VERSION = "sentence-windows-2"
# A background passage this close to a chunk is about something the collection covers: drop it.
BACKGROUND_OVERLAP = 0.90


@dataclass(frozen=True)
class BuildReport:
    documents: int
    chunks: int
    seconds: float
    reused_vectors: int
    generation: Path


def passage_text(chunk: Chunk) -> str:
    """What the embedder sees: the section title gives the window its context."""
    return f"{chunk.section}: {chunk.text}" if chunk.section else chunk.text


def build_index(data_dir: Path, index_dir: Path, embedder: Embedder) -> BuildReport:
    """Write a new generation beside the live one, then switch to it atomically."""
    started = time.monotonic()
    documents = load_documents(data_dir)
    if not documents:
        raise DocumentError(f"no documents (*.md, *.txt) in {data_dir}")
    chunks = chunk_documents(documents)
    texts = [passage_text(c) for c in chunks]
    vectors, reused = embed_reusing(index_dir, embedder, texts)
    manifest = {
        "model": embedder.name,
        "corpus_hash": corpus_hash(documents),
        "chunker": CHUNKER_VERSION,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "documents": [
            {**doc.info.__dict__, "chunks": sum(c.doc == doc.id for c in chunks), "sha256": doc.digest}
            for doc in documents
        ],
    }
    terms = [passage_terms(c.text) for c in chunks]
    background = background_vectors(embedder, vectors)
    manifest["background_passages"] = len(background)
    generation = store.write_generation(index_dir, manifest, vectors, chunks, terms, background)
    store.activate(index_dir, generation)
    return BuildReport(len(documents), len(chunks), time.monotonic() - started, reused, generation)


def background_vectors(embedder: Embedder, chunk_vectors: np.ndarray) -> np.ndarray:
    """Background passages unlike every chunk of the collection."""
    background = embedder.embed_passages(list(BACKGROUND))
    closest = (background @ chunk_vectors.T).max(axis=1)
    return background[closest < BACKGROUND_OVERLAP]


def corpus_hash(documents) -> str:
    digest = hashlib.sha256(CHUNKER_VERSION.encode())
    for doc in documents:
        digest.update(f"{doc.id}\0{doc.digest}\0".encode())
    return digest.hexdigest()


def embed_reusing(index_dir: Path, embedder: Embedder, texts: list[str]) -> tuple[np.ndarray, int]:
    """Embed texts, taking vectors of unchanged chunks from the live generation of the same model."""
    known = previous_vectors(index_dir, embedder.name)
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    fresh = embedder.embed_passages(missing)
    known.update(zip(missing, fresh))
    vectors = np.vstack([known[t] for t in texts]).astype(np.float32)
    return vectors, len(texts) - sum(t in set(missing) for t in texts)


def previous_vectors(index_dir: Path, model: str) -> dict[str, np.ndarray]:
    try:
        live = store.load(index_dir)
    except (store.IndexMissing, store.IndexCorrupt):
        return {}
    if live.manifest.get("model") != model or live.manifest.get("chunker") != CHUNKER_VERSION:
        return {}
    matrix = live.vectors.reconstruct_n(0, live.vectors.ntotal)
    return {passage_text(c): matrix[i] for i, c in enumerate(live.chunks)}


def describe(report: BuildReport) -> str:
    return json.dumps({"documents": report.documents, "chunks": report.chunks,
                       "seconds": round(report.seconds, 2), "reused_vectors": report.reused_vectors})
