"""Appending documents to a live collection without building it again.

Rebuilding a collection of a million chunks rewrites gigabytes and takes minutes even when every
vector is reused. When the only change is new documents, the new generation instead links the live
generation's files (they never change once written) and adds a part holding the documents appended
since those files were built: its own complete generation, small, rewritten whole at each append
(store.write_appended). Loading puts the part's chunks after the base's (store.combined): BM25 keeps
the part's postings as a segment of its own and chunk texts and sentence vectors stay in their own
files, so nothing of the base is copied but the FAISS index (which gains the part's vectors) and the
latent terms. The running process does the same in memory, so an appended document is answered from
as soon as the part is on disk, without loading the collection again.

A document changed or removed, an index of an older recipe or format, a part grown past a quarter of
the base, or a collection crossing the size where exact search gives way to IVF: the collection is
built whole instead (build.py), which also folds the part back into the base.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import faiss
import numpy as np

from citebot.index.answering.background import unlike_chunks
from citebot.index.answering.sentences import SentenceVectors, encode_sentences
from citebot.index.corpus.chunking import Chunk, chunk_documents
from citebot.index.corpus.documents import Document
from citebot.index.retrieval.embedding import Embedder
from citebot.index.retrieval.lexical import LexicalIndex
from citebot.index.retrieval.neighbours import NEIGHBOURS, extended_neighbour_table
from citebot.index.retrieval.sparse import SparsePostings, SparseRows
from citebot.index.retrieval.translation import collection_vocabulary, extended_tables
from citebot.index.storage import store

MAX_PART_SHARE = 0.25  # of the base's chunks; a larger added part is folded in by a rebuild


@dataclass(frozen=True)
class Part:
    """An added part's chunks and what they were encoded to, with the manifest entries every
    generation records (model, recipe, corpus hash, documents)."""

    manifest: dict
    chunks: list[Chunk]
    vectors: np.ndarray
    sparse: SparseRows
    terms: list[dict[str, list[str]]]


def documents_to_append(live: store.StoredIndex, documents: list[Document], recipe: dict) -> list[Document] | None:
    """The documents that appending to `live` would add, or None when the collection must be built
    whole (nothing new, a document changed or removed, another recipe, or a part grown too large)."""
    manifest = live.manifest
    if manifest.get("format") != store.FORMAT_VERSION or any(manifest.get(k) != v for k, v in recipe.items()):
        return None
    current = {doc.id: doc.digest for doc in documents}
    indexed = {doc.get("id"): doc.get("sha256") for doc in manifest.get("documents", [])}
    if any(current.get(doc_id) != digest for doc_id, digest in indexed.items()):
        return None
    new = [doc for doc in documents if doc.id not in indexed]
    if not new:
        return None
    part_chunks = added_chunks(manifest) + len(chunk_documents(new))
    base_chunks = len(live.chunks) - added_chunks(manifest)
    crosses = base_chunks <= store.EXACT_UP_TO < base_chunks + part_chunks
    return None if crosses or part_chunks > MAX_PART_SHARE * base_chunks else new


def added_chunks(manifest: dict) -> int:
    return int((manifest.get(store.ADDED) or {}).get("chunks", 0))


def previous_part(live: store.StoredIndex) -> store.StoredIndex | None:
    """The live generation's added part, read from disk (it is small), if it has one; IndexCorrupt
    if it was damaged since it was loaded."""
    return store.load_added_part(live.path) if added_chunks(live.manifest) else None


def part_documents(
    previous: store.StoredIndex | None, documents: list[Document], new: list[Document]
) -> list[Document]:
    """What the new added part holds: the documents of the previous part in its order (so chunks
    keep their rows), then the new ones."""
    by_id = {doc.id: doc for doc in documents}
    earlier = [by_id[doc["id"]] for doc in previous.manifest.get("documents", [])] if previous else []
    return earlier + new


def append_part(
    index_dir: Path,
    live: store.StoredIndex,
    previous: store.StoredIndex | None,
    part: Part,
    new: list[Document],
    embedder: Embedder,
) -> tuple[Path, store.StoredIndex]:
    """Write a generation of `live` plus the added part, make it live, and return it with the
    collection it holds, combined in memory from `live` (left as it is) and the new documents."""
    keep = unlike_chunks(live.background, part.vectors) if len(live.background) else None
    background, passages, background_sparse = (
        live.background,
        live.manifest.get("background_passages", []),
        live.background_sparse,
    )
    if keep is not None:
        background = background[keep]
        passages = [p for p, kept in zip(passages, keep, strict=True) if kept]
        if len(background_sparse) == len(keep):
            background_sparse = SparseRows(background_sparse.indices[keep], background_sparse.weights[keep])
    vocabulary = collection_vocabulary(part.terms)
    translation = {
        **extended_tables(live.translation, vocabulary),
        NEIGHBOURS: extended_neighbour_table(embedder, live.translation.get(NEIGHBOURS, {}), vocabulary),
    }
    known_sentences = previous.sentences.by_text(previous.chunks) if previous else {}
    files = store.Contents(
        manifest={
            **part.manifest,
            "background_passages": passages,
            "sparse_dim": int(live.manifest.get("sparse_dim", 0)),
        },
        vectors=part.vectors,
        chunks=part.chunks,
        terms=part.terms,
        background=background,
        sparse=part.sparse,
        background_sparse=background_sparse,
        translation=translation,
        sentences=encode_sentences(part.chunks, embedder, known_sentences),
    )
    generation = store.write_appended(Path(index_dir), live.path, files)
    store.activate(Path(index_dir), generation)
    new_ids = {doc.id for doc in new}
    start = next((c.id for c in part.chunks if c.doc in new_ids), len(part.chunks))
    collection = store.combined(live, _rows_from(files, start, new_ids, generation))
    own = _own(store.read_manifest(generation))
    return generation, replace(collection, path=generation, manifest={**collection.manifest, **own})


def _own(manifest: dict) -> dict:
    """What a generation's manifest says of itself (its added part and seal), beyond the collection."""
    return {key: manifest[key] for key in (store.ADDED, store.SEAL) if key in manifest}


def _rows_from(part: store.Contents, start: int, new_ids: set[str], generation: Path) -> store.StoredIndex:
    """The part's chunks from `start` on (the new documents'), as a collection of their own, with
    what depends on every chunk (background, translation tables) made for the whole collection."""
    vectors = faiss.IndexFlatIP(part.vectors.shape[1])
    vectors.add(part.vectors[start:])
    first = int(part.sentences.offsets[start])
    assert not isinstance(part.terms, LexicalIndex)  # a part is written from its chunks' terms
    return store.StoredIndex(
        manifest={**part.manifest, "documents": [d for d in part.manifest["documents"] if d["id"] in new_ids]},
        vectors=vectors,
        chunks=store.table_of(part.chunks, part.manifest["documents"])[start:],
        lexical=LexicalIndex(part.terms[start:]),
        background=part.background,
        sparse=part.sparse.rows_from(start),
        background_sparse=part.background_sparse,
        translation=part.translation,
        path=generation,
        sentences=SentenceVectors(
            part.sentences.vectors, part.sentences.offsets[start:] - first, part.sentences.rows[first:]
        ),
        sparse_postings=SparsePostings.empty(),
    )
