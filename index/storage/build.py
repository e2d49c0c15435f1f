"""Build an index generation from the documents in a data directory."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from citebot.index.answering.background import BACKGROUND, unlike_chunks
from citebot.index.answering.sentences import encode_sentences
from citebot.index.corpus.chunking import Chunk, chunk_documents
from citebot.index.corpus.documents import SUFFIXES, Document, DocumentError, load_documents
from citebot.index.corpus.limits import DEFAULT_LIMITS, DocumentLimits
from citebot.index.retrieval.embedding import BATCH, Embedder, package_of, sparse_rows
from citebot.index.retrieval.neighbours import NEIGHBOURS, neighbour_table
from citebot.index.retrieval.sparse import PAD, SparseRows
from citebot.index.retrieval.terms import TERMS_VERSION, passage_terms
from citebot.index.retrieval.translation import TRANSLATION_VERSION, collection_vocabulary, translation_tables
from citebot.index.storage import appending, store
from citebot.index.storage.checkpoints import Checkpointed

log = logging.getLogger(__name__)
CHUNKER_VERSION = "sentence-windows-3"  # 3: over-long sentences are cut (text.MAX_SENTENCE_CHARS)


def recipe() -> dict[str, object]:
    """How this code makes what an index holds besides the model's vectors; a generation records it."""
    return {"chunker": CHUNKER_VERSION, "terms": TERMS_VERSION, "translation": TRANSLATION_VERSION}


def outdated(manifest: dict) -> list[str]:
    """The parts of the recipe that a generation was built with differently from this code, and
    "format" when its files are of an older format (still read, but slower or larger)."""
    parts = [part for part, version in recipe().items() if manifest.get(part) != version]
    return parts + (["format"] if manifest.get("format") != store.FORMAT_VERSION else [])


# progress(stage, done, total): "reading" (documents), "embedding" (chunks), "swapping" (0, 0).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BuildReport:
    documents: int
    chunks: int
    seconds: float
    reused_vectors: int
    generation: Path
    appended: int = 0  # documents appended to the live collection (0: the collection was built whole)
    collection: store.StoredIndex | None = None  # what an append left live, combined in memory
    appended_to: Path | None = None  # the generation the documents were appended to


def passage_text(chunk: Chunk) -> str:
    """What the embedder sees: the section title gives the window its context."""
    return f"{chunk.section}: {chunk.text}" if chunk.section else chunk.text


def build_index(
    data_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    progress: Progress | None = None,
    limits: DocumentLimits = DEFAULT_LIMITS,
    stop: threading.Event | None = None,
    loaded: store.StoredIndex | None = None,
) -> BuildReport:
    """Write a new generation beside the live one, then switch to it atomically. When the only
    change is new documents, they are appended to the live collection (appending.py); else the
    collection is built whole, reusing the vectors of unchanged chunks.

    `loaded` is the live generation if the caller has it in memory already (else it is read).
    Setting `stop` abandons the build at its next checkpoint (BuildAbandoned); the live index stays.
    Another process building in index_dir at the same time: store.BuildInProgress.
    """
    with store.exclusive_build(index_dir):
        return _build(data_dir, index_dir, embedder, progress, limits, stop, loaded)


def _build(
    data_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    progress: Progress | None,
    limits: DocumentLimits,
    stop: threading.Event | None,
    loaded: store.StoredIndex | None,
) -> BuildReport:
    if stop is not None:
        embedder = Checkpointed(embedder, stop)
    report = progress or (lambda stage, done, total: None)
    started = time.monotonic()
    report("reading", 0, 0)
    documents = load_documents(data_dir, limits)
    if not documents:
        raise DocumentError(f"no documents ({', '.join('*' + s for s in SUFFIXES)}) in {data_dir}")
    report("reading", len(documents), len(documents))
    live = live_index(index_dir, embedder, loaded)
    new = appending.documents_to_append(live, documents, recipe()) if live is not None else None
    if live is not None and new is not None:
        try:
            previous = appending.previous_part(live)
        except store.IndexCorrupt as exc:  # the collection in memory is sound: build it whole from it
            log.warning("%s; building the collection whole instead of appending", exc.reason)
        else:
            return append(index_dir, live, previous, documents, new, embedder, report, started)
    chunks = chunk_documents(documents)
    encodings, reused = encode_reusing(live, embedder, chunks, report)
    vectors = np.vstack([e.vector for e in encodings]).astype(np.float32)
    sparse = stack_sparse(encodings)
    manifest = generation_manifest(embedder, documents, documents, chunks)
    terms = [e.terms for e in encodings]
    background, background_vectors = background_passages(vectors, embedder)
    background_sparse = background_sparse_rows(live, embedder, background) if len(sparse) else SparseRows.empty()
    manifest["background_passages"] = background
    manifest["sparse_dim"] = int(getattr(embedder, "sparse_dim", 0)) if len(sparse) else 0
    report("swapping", 0, 0)
    contents = store.Contents(
        manifest,
        vectors,
        chunks,
        terms,
        background_vectors,
        sparse,
        background_sparse,
        query_translation(live, manifest, terms, embedder),
        sentences=encode_sentences(chunks, embedder, live.sentences.by_text(live.chunks) if live else {}),
    )
    generation = store.write_generation(index_dir, contents)
    store.activate(index_dir, generation)
    return BuildReport(len(documents), len(chunks), time.monotonic() - started, reused, generation)


def append(
    index_dir: Path,
    live: store.StoredIndex,
    previous: store.StoredIndex | None,
    documents: list[Document],
    new: list[Document],
    embedder: Embedder,
    report: Progress,
    started: float,
) -> BuildReport:
    """Append the new documents: only their chunks (and those of the live added part, which is
    rewritten whole and whose vectors are reused) are encoded."""
    held = appending.part_documents(previous, documents, new)
    chunks = chunk_documents(held)
    encodings, reused = encode_reusing(previous, embedder, chunks, report)
    part = appending.Part(
        manifest=generation_manifest(embedder, documents, held, chunks),
        chunks=chunks,
        vectors=np.vstack([e.vector for e in encodings]).astype(np.float32),
        sparse=stack_sparse(encodings),
        terms=[e.terms for e in encodings],
    )
    report("swapping", 0, 0)
    generation, collection = appending.append_part(index_dir, live, previous, part, new, embedder)
    untouched = len(live.chunks) - (len(previous.chunks) if previous else 0)
    seconds = time.monotonic() - started
    return BuildReport(
        len(documents),
        len(collection.chunks),
        seconds,
        untouched + reused,
        generation,
        appended=len(new),
        collection=collection,
        appended_to=live.path,
    )


def generation_manifest(
    embedder: Embedder, collection: list[Document], held: list[Document], chunks: list[Chunk]
) -> dict:
    """What a generation records of how it was made and of the documents it holds."""
    per_document = Counter(chunk.doc for chunk in chunks)
    return {
        "model": embedder.name,
        "embedder_package": package_of(embedder),
        "corpus_hash": corpus_hash(collection),
        **recipe(),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "documents": [{**doc.info.__dict__, "chunks": per_document[doc.id], "sha256": doc.digest} for doc in held],
    }


def background_passages(chunk_vectors: np.ndarray, embedder: Embedder) -> tuple[list[str], np.ndarray]:
    """The background passages unlike every chunk of the collection, and their vectors."""
    vectors = embedder.embed_passages(list(BACKGROUND))
    keep = unlike_chunks(vectors, chunk_vectors)
    return [text for text, kept in zip(BACKGROUND, keep, strict=True) if kept], vectors[keep]


def corpus_hash(documents) -> str:
    digest = hashlib.sha256(CHUNKER_VERSION.encode())
    for doc in documents:
        digest.update(f"{doc.id}\0{doc.digest}\0".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Encoding:
    """What a chunk's text yields: dense vector, latent terms (if the model has them), lexical terms."""

    vector: np.ndarray
    sparse: tuple[np.ndarray, np.ndarray] | None
    terms: dict[str, list[str]]


def live_index(
    index_dir: Path, embedder: Embedder, loaded: store.StoredIndex | None = None
) -> store.StoredIndex | None:
    """The live generation, if it was built the same way and so can lend its encodings: `loaded`
    if that is still the live one, else read from disk.

    Loading verifies every file against its checksum, so a damaged generation lends nothing.
    """
    current = Path(index_dir) / "current"
    if loaded is not None and current.is_symlink() and current.resolve() == loaded.path.resolve():
        live = loaded
    else:
        try:
            live = store.load(index_dir)
        except (store.IndexMissing, store.IndexCorrupt):
            return None
    manifest = live.manifest
    recipe = ("model", "embedder_package", "chunker", "terms")
    same_recipe = tuple(manifest.get(key) for key in recipe) == (
        embedder.name,
        package_of(embedder),
        CHUNKER_VERSION,
        TERMS_VERSION,
    )
    return live if same_recipe else None


def encode_reusing(
    live: store.StoredIndex | None, embedder: Embedder, chunks: list[Chunk], progress: Progress | None = None
) -> tuple[list[Encoding], int]:
    """Encode chunks, taking unchanged ones from the live generation."""
    known = previous_encodings(live)
    keys = [passage_text(c) for c in chunks]
    missing = [i for i, key in enumerate(keys) if key not in known]
    reused = len(chunks) - len(missing)
    if progress:
        progress("embedding", reused, len(chunks))
    # In steps of the embedder's own batch size, so the vectors are exactly those of one call.
    step = BATCH * 4
    for start in range(0, len(missing), step):
        part = missing[start : start + step]
        vectors = embedder.embed_passages([keys[i] for i in part])
        sparse = sparse_rows(embedder, [chunks[i].text for i in part])
        sparse = sparse.compact() if sparse is not None else None  # as stored, so reused rows stack with new
        for n, i in enumerate(part):
            known[keys[i]] = Encoding(
                vectors[n],
                None if sparse is None else (sparse.indices[n], sparse.weights[n]),
                passage_terms(chunks[i].text),
            )
        if progress:
            progress("embedding", reused + start + len(part), len(chunks))
    return [known[key] for key in keys], reused


def previous_encodings(live: store.StoredIndex | None) -> dict[str, Encoding]:
    if live is None:
        return {}
    matrix = live.vectors.reconstruct_n(0, live.vectors.ntotal)
    sparse = live.sparse if len(live.sparse) == len(live.chunks) else None
    terms = live.lexical.terms_by_chunk(len(live.chunks))
    return {
        passage_text(c): Encoding(
            matrix[i], None if sparse is None else (sparse.indices[i], sparse.weights[i]), terms[i]
        )
        for i, c in enumerate(live.chunks)
    }


def background_sparse_rows(live: store.StoredIndex | None, embedder: Embedder, background: list[str]) -> SparseRows:
    """Latent terms of the background passages, reused when the live generation kept the same ones."""
    if (
        live is not None
        and live.manifest.get("background_passages") == background
        and len(live.background_sparse) == len(background)
    ):
        return live.background_sparse
    return sparse_rows(embedder, background) or SparseRows.empty()


def query_translation(
    live: store.StoredIndex | None, manifest: dict, terms: list[dict[str, list[str]]], embedder: Embedder
) -> dict:
    """Translation tables for the collection's words (and their vectors for Mongolian readings),
    reused when the documents and the way tables are made are unchanged."""
    if (
        live is not None
        and live.manifest.get("corpus_hash") == manifest["corpus_hash"]
        and live.manifest.get("translation") == manifest["translation"]
        and NEIGHBOURS in live.translation
    ):
        return live.translation
    vocabulary = collection_vocabulary(terms)
    return {**translation_tables(vocabulary), NEIGHBOURS: neighbour_table(embedder, vocabulary)}


def stack_sparse(encodings: list[Encoding]) -> SparseRows:
    sparse = [e.sparse for e in encodings if e.sparse is not None]
    if not encodings or len(sparse) < len(encodings):
        return SparseRows.empty()
    width = max(len(s[0]) for s in sparse)  # rows reused from a large collection may keep fewer terms
    indices = np.vstack([np.pad(s[0], (0, width - len(s[0])), constant_values=PAD) for s in sparse])
    return SparseRows(indices, np.vstack([np.pad(s[1], (0, width - len(s[1]))) for s in sparse]))
