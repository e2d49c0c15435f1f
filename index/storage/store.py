"""The on-disk index: a FAISS file, the chunks and a manifest per generation, swapped atomically.

Layout of an index directory:

    generations/<id>/vectors.faiss   inner-product index over L2-normalised embeddings; above
                                     EXACT_UP_TO chunks an inverted file whose lists are mapped in
                                     place once faiss_layout.py has checked them
    generations/<id>/chunk_columns.npz  each chunk's document, section, paragraph, sentences and
                                     text span, in vector order, as columns (chunk_table.py)
    generations/<id>/chunk_names.json  the documents and sections those columns refer to by number
    generations/<id>/chunk_texts.txt  the chunks' texts, UTF-8, end to end; memory-mapped on load
    generations/<id>/lexical.npz     BM25 postings per language field: term ids, rows and counts in
                                     posting order, and each chunk's length (lexical.py)
    generations/<id>/lexical_terms.json  each field's vocabulary, in term-id order
    generations/<id>/background.npy  vectors of everyday passages, for abstention
    generations/<id>/sparse.npz      latent terms of the chunks and of the background passages
                                     (the heaviest STORED_TERMS a text, uint16 indices, float16 weights)
    generations/<id>/sparse_postings.npz  inverted index of the chunks' latent terms: each term's
                                     heaviest rows, where a large collection's candidates come from
    generations/<id>/translation.json  query translation tables for the collection's words
    generations/<id>/sentences.npy   vectors of the windows' distinct sentences, for the direct answer
    generations/<id>/sentence_rows.npz  which of those sentences each window holds
    generations/<id>/manifest.json   written last: a generation without it is unfinished; lists
                                     every other file with its size and SHA-256, and is sealed
                                     with a SHA-256 of its own
    generations/<id>/added/          optional: a complete generation (these same files) of the
                                     documents appended since the files above were built; the files
                                     above are then hard links to the previous generation's, and the
                                     manifest names the added part's seal (appending.py)
    current -> generations/<id>      symlink replaced with os.replace, so readers never see a mix

A generation's files are never changed once written: they are read in place from memory maps
(MAPPED_FILES), and a mapped file cut short under a running process kills it (SIGBUS). Removing
a generation is safe (prune unlinks; the maps keep the data), rewriting one of its files is not.

To add a file to generations: write it in write_files before the manifest (it is then listed
and checksummed like every file there), add its name to REQUIRED_FILES, and decode it in
_load_generation from the verified bytes with a shape check in `shapes`.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from citebot.index.answering.sentences import SentenceVectors
from citebot.index.corpus.chunk_table import ChunkTable
from citebot.index.corpus.chunking import Chunk
from citebot.index.retrieval.lexical import LexicalIndex
from citebot.index.retrieval.prior import boilerplate
from citebot.index.retrieval.sparse import SparsePostings, SparseRows, stored_terms
from citebot.index.storage import faiss_layout, integrity, shapes
from citebot.index.storage.dense_shards import DenseShards, shards_of

# 3: sentence vectors for the direct answer; 4: every file checksummed, the manifest sealed;
# 5: compact latent terms (uint16, float16) and their inverted index; 6: BM25 postings stored as
# arrays rather than each chunk's terms in chunks.jsonl (loading 100,000 chunks built them again);
# 7: chunks as columns and a memory-mapped texts file rather than chunks.jsonl (a million chunks as
# Python objects held 900 MB), and BM25 postings stored as they are held (runs of 16-bit rows), read
# in place from a memory map rather than rebuilt from (term, row) triples
FORMAT_VERSION = 7
# Still read, and rewritten as FORMAT_VERSION by the rebuild an older format asks for (build.outdated):
# 6 (chunks.jsonl) and 5 (chunks.jsonl with each chunk's terms, BM25 postings built on load).
LEGACY_FORMATS = (6, 5)
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
CHUNK_COLUMNS = "chunk_columns.npz"
CHUNK_NAMES = "chunk_names.json"
CHUNK_TEXTS = "chunk_texts.txt"
CHUNKS = "chunks.jsonl"  # formats 5 and 6
BACKGROUND = "background.npy"
SPARSE = "sparse.npz"
SPARSE_POSTINGS = "sparse_postings.npz"
TRANSLATION = "translation.json"
SENTENCE_VECTORS = "sentences.npy"
SENTENCE_ROWS = "sentence_rows.npz"
LEXICAL = "lexical.npz"
LEXICAL_TERMS = "lexical_terms.json"
ADDED = "added"
SEAL = integrity.SEAL
EXACT_UP_TO = 20_000  # chunks; beyond this the dense index is approximate
MAP_LISTS = getattr(faiss, "IO_FLAG_MMAP_IFC", None)  # older faiss cannot map inverted lists: they are copied
PROBED_LISTS = 32
REQUIRED_FILES = (
    VECTORS,
    CHUNK_COLUMNS,
    CHUNK_NAMES,
    CHUNK_TEXTS,
    LEXICAL,
    LEXICAL_TERMS,
    BACKGROUND,
    SPARSE,
    SPARSE_POSTINGS,
    TRANSLATION,
    SENTENCE_VECTORS,
    SENTENCE_ROWS,
)

# Read in place from memory maps: a large collection's texts, sentence vectors, BM25 postings and latent
# terms stay on disk (in the page cache) but for the rows and terms questions touch.
MAPPED_FILES = (CHUNK_TEXTS, SENTENCE_VECTORS, LEXICAL, SPARSE, VECTORS)


class IndexMissing(FileNotFoundError):
    """No index has been built in this directory yet."""


class BuildInProgress(RuntimeError):
    """Another process is building a generation in this index directory."""


BUILD_LOCK = ".build.lock"


@contextlib.contextmanager
def exclusive_build(index_dir: Path) -> Iterator[None]:
    """Held while a generation is built, so two processes never build from the same live generation
    (the later swap would drop what the other appended). The kernel releases it if a build dies."""
    try:
        Path(index_dir).mkdir(parents=True, exist_ok=True)
        lock = open(Path(index_dir) / BUILD_LOCK, "a")  # noqa: SIM115  # closed by the with below
    except OSError as exc:  # no room even for the lock file (or no write permission)
        raise write_failed(index_dir, exc) from exc
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildInProgress(f"another process is building the index in {index_dir}") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class IndexCorrupt(RuntimeError):
    """The index on disk cannot be used; the message says why (one line) and how to fix it."""

    def __init__(self, reason: str) -> None:
        self.reason = " ".join(reason.split())[:500]
        super().__init__(f"{self.reason}; rebuild it with `citebot reindex`")


@dataclass(frozen=True)
class StoredIndex:
    manifest: dict
    vectors: faiss.Index | DenseShards  # shards once documents are appended
    chunks: ChunkTable
    lexical: LexicalIndex
    background: np.ndarray
    sparse: SparseRows
    background_sparse: SparseRows
    translation: dict
    path: Path
    sentences: SentenceVectors
    sparse_postings: SparsePostings


@dataclass(frozen=True)
class Contents:
    """What a generation's files hold, row for row: what write_generation writes."""

    manifest: dict  # how it was made and what it holds (the store adds format, counts and checksums)
    vectors: np.ndarray
    chunks: Sequence[Chunk]
    terms: list[dict[str, list[str]]] | LexicalIndex  # each chunk's lexical terms, or the index made of them
    background: np.ndarray
    sparse: SparseRows
    background_sparse: SparseRows
    translation: dict
    sentences: SentenceVectors


class IndexWriteFailed(RuntimeError):
    """A new generation could not be written or switched to (a full disk, say); nothing of it is
    left behind and the live index is unchanged. `reason` is one line, for an admin."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"{reason}; the live index is unchanged")


def write_generation(index_dir: Path, contents: Contents) -> Path:
    """Write a complete new generation beside the live one and return its directory."""
    with _new_generation(index_dir) as target:
        write_files(target, contents)
    return target


def write_appended(index_dir: Path, base: Path, added: Contents) -> Path:
    """A new generation made of the files of generation `base` (linked, not copied: they never
    change) and an added part holding `added`; returns it."""
    top = _top_manifest(base)
    with _new_generation(index_dir) as target:
        for name in top["files"]:
            _link(base / name, target / name)
        part_seal = write_files(target / ADDED, added)
        manifest = integrity.seal({**top, ADDED: {"chunks": len(added.chunks), SEAL: part_seal}})
        _write_synced(target / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
        _fsync_dir(target)
    return target


@contextlib.contextmanager
def _new_generation(index_dir: Path) -> Iterator[Path]:
    """A new generation's directory, removed at once if writing it fails: a full disk gets its
    space back, rather than an hour later when prune would take the unfinished generation."""
    try:
        target = _new_generation_dir(index_dir)
    except OSError as exc:
        raise write_failed(index_dir, exc) from exc
    try:
        yield target
    except BaseException as exc:
        shutil.rmtree(target, ignore_errors=True)
        if isinstance(exc, OSError):
            raise write_failed(index_dir, exc) from exc
        raise


def write_failed(index_dir: Path, error: OSError) -> IndexWriteFailed:
    reason = error.strerror or str(error) or type(error).__name__
    return IndexWriteFailed(f"cannot write a new index in {index_dir}: {reason}")


def read_manifest(generation: Path) -> dict:
    """A generation's own manifest, sealed and of this format."""
    manifest = shapes.manifest((generation / MANIFEST).read_bytes(), (FORMAT_VERSION,))
    integrity.check_seal(manifest)
    return manifest


def _top_manifest(generation: Path) -> dict:
    """A generation's own manifest (its base part's), without its seal and added part."""
    return {k: v for k, v in read_manifest(generation).items() if k not in (SEAL, ADDED)}


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links: copy
        shutil.copyfile(source, target)
        _fsync_file(target)


def _new_generation_dir(index_dir: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    root = Path(index_dir) / "generations"
    if (root.is_symlink() or root.exists()) and not root.is_dir():
        root.unlink()  # damage: something else where the generations belong
    target = root / f"{stamp}-{uuid.uuid4().hex[:8]}"
    target.mkdir(parents=True)
    return target


def write_files(target: Path, contents: Contents) -> str:
    """Write every file of a generation into target, the sealed manifest last; returns its seal."""
    manifest, vectors, chunks, terms = contents.manifest, contents.vectors, contents.chunks, contents.terms
    background, sparse, background_sparse = contents.background, contents.sparse, contents.background_sparse
    translation, sentences = contents.translation, contents.sentences
    lexical = terms if isinstance(terms, LexicalIndex) else LexicalIndex(terms)
    if len(vectors) != len(chunks) or len(sentences) != len(chunks) or lexical.size(len(chunks)) != len(chunks):
        raise ValueError("vectors, chunks, terms and sentences must line up")
    target.mkdir(parents=True, exist_ok=True)
    dense = dense_index(vectors)
    write_dense(target / VECTORS, dense)
    np.save(target / BACKGROUND, np.asarray(background, dtype=np.float32))
    width = stored_terms(len(chunks))
    write_sparse(target, sparse.compact(width), background_sparse.compact(width), int(manifest.get("sparse_dim", 0)))
    write_chunks(target, table_of(chunks, manifest.get("documents", [])))
    write_lexical(target, lexical)
    (target / TRANSLATION).write_text(json.dumps(translation, ensure_ascii=False), encoding="utf-8")
    np.save(target / SENTENCE_VECTORS, np.asarray(sentences.vectors, dtype=np.float32))
    with open(target / SENTENCE_ROWS, "wb") as out:
        np.savez(out, offsets=sentences.offsets, rows=sentences.rows)
    for name in REQUIRED_FILES:
        _fsync_file(target / name)
    full_manifest = integrity.seal(
        {
            "format": FORMAT_VERSION,
            "dimension": int(vectors.shape[1]),
            "chunks": len(chunks),
            "dense_index": describe(dense),
            **manifest,
            "files": integrity.file_entries(target, exclude=MANIFEST),
        }
    )
    _write_synced(target / MANIFEST, json.dumps(full_manifest, ensure_ascii=False, indent=2))
    _fsync_dir(target)
    return str(full_manifest[SEAL])


def write_chunks(target: Path, table: ChunkTable) -> None:
    (target / CHUNK_NAMES).write_text(json.dumps(table.names(), ensure_ascii=False), encoding="utf-8")
    with open(target / CHUNK_COLUMNS, "wb") as out:
        np.savez(out, **table.columns())  # type: ignore[arg-type]  # numpy's stubs miss savez(file, **arrays)
    with open(target / CHUNK_TEXTS, "wb") as out:
        for span in table.texts.buffer_spans():
            out.write(span)


def write_lexical(target: Path, lexical: LexicalIndex) -> None:
    vocabularies, arrays = lexical.arrays()
    (target / LEXICAL_TERMS).write_text(json.dumps(vocabularies, ensure_ascii=False), encoding="utf-8")
    with open(target / LEXICAL, "wb") as out:
        np.savez(out, **arrays)  # type: ignore[arg-type]  # numpy's stubs miss savez(file, **arrays)


def write_sparse(target: Path, sparse: SparseRows, background: SparseRows, dim: int) -> None:
    """The compacted latent terms of chunks and background passages, and the chunks' inverted index."""
    with open(target / SPARSE, "wb") as out:
        np.savez(
            out,
            indices=sparse.indices,
            weights=sparse.weights,
            background_indices=background.indices,
            background_weights=background.weights,
        )
    postings = SparsePostings.build(sparse, dim) if dim and len(sparse) else SparsePostings.empty()
    with open(target / SPARSE_POSTINGS, "wb") as out:
        np.savez(out, offsets=postings.offsets, rows=postings.rows, weights=postings.weights)


def write_dense(path: Path, index: faiss.Index) -> None:
    """FAISS's own file writer only prints an error it meets when closing the file, so a full disk
    left a cut-short index behind, checksummed as if whole; through a Python file it is an OSError."""
    with open(path, "wb") as out:
        faiss.write_index(index, faiss.PyCallbackIOWriter(out.write))  # type: ignore[attr-defined]  # not in the stubs


def read_dense(path: Path, files: object, dimension: int, count: int) -> faiss.Index:
    """The dense index, its inverted lists mapped in place when the file is one whose lists were
    checked to add up (faiss_layout); an exact index, any other kind, and any index where this FAISS
    cannot map lists or writes them in a layout the walk does not know, is read as a copy."""
    before = (path / VECTORS).stat()
    file = integrity.map_verified(path, files, VECTORS)
    if faiss_layout.readable_in_place(file, dimension, count) and MAP_LISTS is not None:
        index = faiss.read_index(str(path / VECTORS), MAP_LISTS)
        if _identity(before) != _identity((path / VECTORS).stat()):
            raise integrity.IntegrityError(f"{VECTORS} was replaced while it was read")
    else:
        index = faiss.deserialize_index(np.frombuffer(file, dtype=np.uint8))
    shapes.vectors(index, dimension, count)
    return index


def _identity(stat: os.stat_result) -> tuple[int, ...]:
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def dense_index(vectors: np.ndarray) -> faiss.Index:
    """Exact search for small collections; above EXACT_UP_TO chunks an inverted file over 8-bit
    quantised vectors (a quarter of the memory, a few thousand vectors scanned per question)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dimension = vectors.shape[1]
    index: faiss.Index
    if len(vectors) <= EXACT_UP_TO:
        index = faiss.IndexFlatIP(dimension)
    else:
        lists = int(np.sqrt(len(vectors)))
        index = faiss_layout.inverted_file(dimension, lists)
        sample = np.random.default_rng(0).choice(len(vectors), min(len(vectors), 40 * lists), replace=False)
        index.train(vectors[np.sort(sample)])
        index.nprobe = PROBED_LISTS
    index.add(vectors)
    if isinstance(index, faiss.IndexIVF):
        index.make_direct_map()  # a rebuild reads unchanged chunks' vectors back
    return index


def dense_search(index: faiss.Index | DenseShards, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    for shard in shards_of(index):
        if isinstance(shard, faiss.IndexIVF):
            shard.nprobe = PROBED_LISTS
    return index.search(np.ascontiguousarray(queries, dtype=np.float32), min(k, index.ntotal))


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Rows of the k most similar vectors to each query, by brute force: what approximate search is judged by."""
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return flat.search(np.ascontiguousarray(queries, dtype=np.float32), k)[1]


def describe(index: faiss.Index | DenseShards) -> str:
    if isinstance(index, DenseShards):
        return " + ".join(describe(shard) for shard in index.shards)
    if isinstance(index, faiss.IndexIVF):
        return f"IVF{index.nlist},SQ8 nprobe={PROBED_LISTS}"
    return "Flat"


def activate(index_dir: Path, generation: Path) -> None:
    """Point `current` at generation atomically, then drop generations no longer needed.

    The generation it replaces is kept until the next swap: another process may be loading it.
    """
    index_dir = Path(index_dir)
    link = index_dir / "current"
    previous = Path(os.readlink(link)).name if link.is_symlink() else None
    if link.is_dir() and not link.is_symlink():  # damage: os.replace cannot put a link over a directory
        shutil.rmtree(link)
    temp = index_dir / f".current-{uuid.uuid4().hex[:8]}"
    try:
        os.symlink(Path("generations") / generation.name, temp)
        os.replace(temp, link)
    except OSError as exc:  # `current` still names the live generation
        temp.unlink(missing_ok=True)
        shutil.rmtree(generation, ignore_errors=True)
        raise write_failed(index_dir, exc) from exc
    with contextlib.suppress(OSError):  # the swap is done; a directory that cannot be synced holds it anyway
        _fsync_dir(index_dir)
    prune(index_dir, keep={generation.name} | ({previous} if previous else set()))


def prune(index_dir: Path, keep: set[str]) -> None:
    """Remove old and unfinished generations; a build in progress is younger than an hour."""
    root = Path(index_dir) / "generations"
    for entry in root.iterdir() if root.exists() else []:
        if entry.name in keep:
            continue
        if entry.is_symlink() or not entry.is_dir():  # not a generation: a stray link or file
            with contextlib.suppress(OSError):
                entry.unlink()
            continue
        unfinished = not (entry / MANIFEST).exists()
        with contextlib.suppress(OSError):
            if unfinished and time.time() - entry.stat().st_mtime < 3600:
                continue
        shutil.rmtree(entry, ignore_errors=True)


def load(index_dir: Path) -> StoredIndex:
    """The live generation, verified against its checksums and checked for shape.

    IndexMissing if there is none; any damage, whatever it would otherwise raise, is IndexCorrupt.
    """
    link = Path(index_dir) / "current"
    if not link.exists():
        raise IndexMissing(f"no index in {index_dir}: run `citebot reindex`")
    return _checked(_load_generation, link.resolve())


def load_added_part(generation: Path) -> StoredIndex:
    """A generation's added part alone (IndexCorrupt if it is damaged)."""
    return _checked(load_part, generation / ADDED)


def _checked(read, path: Path) -> StoredIndex:
    try:
        with _without_cycle_collection():
            return read(path)
    except (integrity.IntegrityError, shapes.ShapeError) as exc:
        raise IndexCorrupt(f"index at {path} is damaged: {exc}") from exc
    except Exception as exc:  # damage surfaces as any error of json, numpy or faiss
        raise IndexCorrupt(f"index at {path} is damaged: {type(exc).__name__}: {exc}") from exc


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Parsing a large generation makes millions of objects (every chunk, and in format 5 its terms)
    and no cycles, but each few hundred allocations wake the cycle collector, which walks them all
    again: that doubled the time to load 100,000 chunks. Reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load_generation(path: Path) -> StoredIndex:
    """A generation, with its added part (if any) after its own chunks."""
    base = load_part(path)
    added = base.manifest.get(ADDED)
    if added is None:
        return base
    shapes.added_part(added)
    part = load_part(path / ADDED)
    if part.manifest.get(SEAL) != added[SEAL] or len(part.chunks) != added["chunks"]:
        raise integrity.IntegrityError("the added part is not the one this generation was written with")
    return combined(base, part)


COLLECTION_KEYS = ("background_passages", "corpus_hash", "built_at", "translation")


def combined(base: StoredIndex, part: StoredIndex) -> StoredIndex:
    """base with the chunks of part after its own: what the collection answers from once documents
    are appended. What depends on every chunk (background passages, translation tables) is the
    part's, which was made for the whole collection. Nothing of base is copied or changed: the
    collection it was may still be answering."""
    offset, added = len(base.chunks), len(part.chunks)
    vectors = DenseShards([base.vectors, part.vectors])
    sparse = base.sparse.stacked(part.sparse)
    dim = int(base.manifest.get("sparse_dim", 0))
    part_postings = (
        SparsePostings.build(sparse.rows_from(offset), dim) if dim and len(sparse) else SparsePostings.empty()
    )
    manifest = {
        **base.manifest,
        **{key: part.manifest[key] for key in COLLECTION_KEYS if key in part.manifest},
        "documents": [*base.manifest.get("documents", []), *part.manifest.get("documents", [])],
        "chunks": offset + added,
    }
    return StoredIndex(
        manifest=manifest,
        vectors=vectors,
        chunks=base.chunks.concatenated(part.chunks),
        lexical=base.lexical.extended(part.lexical, offset, added),
        background=part.background,
        sparse=sparse,
        background_sparse=part.background_sparse,
        translation=part.translation,
        path=base.path,
        sentences=base.sentences.concatenated(part.sentences),
        sparse_postings=base.sparse_postings.merged(part_postings, offset) if dim else base.sparse_postings,
    )


def load_part(path: Path) -> StoredIndex:
    """One generation's own files (without its added part), verified and checked for shape."""
    manifest_blob = (path / MANIFEST).read_bytes()
    manifest = shapes.manifest(manifest_blob, (FORMAT_VERSION, *LEGACY_FORMATS))
    integrity.check_seal(manifest)
    files = manifest.get("files")
    blobs = integrity.read_verified(path, files, required_files(manifest["format"]), mapped=MAPPED_FILES)
    dimension, count = manifest["dimension"], manifest["chunks"]
    passages = len(manifest.get("background_passages", []))
    vectors = read_dense(path, files, dimension, count)
    chunks, lexical = _chunks_and_lexical(path, manifest, blobs, count)
    background = shapes.background(blobs[BACKGROUND], dimension, passages)
    sparse_dim = manifest.get("sparse_dim", 0)
    sparse_file = integrity.map_verified(path, files, SPARSE)
    sparse, background_sparse = shapes.sparse(sparse_file, sparse_dim, count, passages)
    sparse_postings = shapes.sparse_postings(blobs[SPARSE_POSTINGS], sparse_dim if count else 0, count)
    translation = shapes.translation(blobs[TRANSLATION])
    sentence_vectors = integrity.map_verified(path, files, SENTENCE_VECTORS)
    sentences = shapes.sentences(sentence_vectors, blobs[SENTENCE_ROWS], dimension, count)
    return StoredIndex(
        manifest=manifest,
        vectors=vectors,
        chunks=chunks,
        lexical=lexical,
        background=background,
        sparse=sparse,
        background_sparse=background_sparse,
        translation=translation,
        path=path,
        sentences=sentences,
        sparse_postings=sparse_postings,
    )


def required_files(format_version: int) -> tuple[str, ...]:
    if format_version == FORMAT_VERSION:
        return REQUIRED_FILES
    chunk_files = (CHUNK_COLUMNS, CHUNK_NAMES, CHUNK_TEXTS)
    lexical_files = (LEXICAL, LEXICAL_TERMS) if format_version == 5 else ()
    return (CHUNKS, *(name for name in REQUIRED_FILES if name not in chunk_files + lexical_files))


def _chunks_and_lexical(
    path: Path, manifest: dict, blobs: dict[str, bytes], count: int
) -> tuple[ChunkTable, LexicalIndex]:
    documents = manifest.get("documents", [])
    if manifest["format"] == 5:
        rows, terms = shapes.chunk_rows_with_terms(blobs[CHUNKS], count)
        return table_of(rows, documents), LexicalIndex(terms)
    lexical_arrays = integrity.map_verified(path, manifest["files"], LEXICAL)
    lexical = shapes.lexical(lexical_arrays, blobs[LEXICAL_TERMS], count, packed=manifest["format"] != 6)
    if manifest["format"] == 6:
        return table_of(shapes.chunk_rows(blobs[CHUNKS], count), documents), lexical
    texts = integrity.map_verified(path, manifest["files"], CHUNK_TEXTS)
    return shapes.chunk_table(blobs[CHUNK_COLUMNS], blobs[CHUNK_NAMES], texts, count), lexical


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def table_of(chunks: Sequence[Chunk], documents: Sequence[dict]) -> ChunkTable:
    """Chunks as the stored table, with the chunks that restate their document's metadata marked."""
    if isinstance(chunks, ChunkTable):
        return chunks
    return ChunkTable.of(chunks, boilerplate(chunks, documents))
