"""Shape checks for what a generation's files decode to: each problem raised as a ShapeError.

Checksums prove a file is what was written; these prove what was written is what readers expect,
so that an index written by a buggy or older build fails at load time rather than mid-answer.
"""

from __future__ import annotations

import base64
import io
import json
import mmap
import zipfile
from collections.abc import Callable
from itertools import pairwise
from typing import IO, cast

import numpy as np

from citebot.index.answering.sentences import SentenceVectors
from citebot.index.corpus.chunk_table import ChunkTable, Texts
from citebot.index.corpus.chunking import Chunk
from citebot.index.retrieval.lexical import BLOCK_BITS, LexicalIndex, RepeatedTerm
from citebot.index.retrieval.sparse import PAD, SparsePostings, SparseRows, stored_terms

_CHUNK_TYPES = {name: field.type for name, field in Chunk.__dataclass_fields__.items()}
_OPTIONAL_CHUNK_KEYS = {"doc_byline"}
SPARSE_KEYS = ("indices", "weights", "background_indices", "background_weights")


class ShapeError(ValueError):
    """A structure of the index does not have the shape or types its readers rely on."""


def manifest(blob: bytes, formats: tuple[int, ...]) -> dict:
    data = json.loads(blob.decode("utf-8"))
    _require(isinstance(data, dict), "manifest.json is not a JSON object")
    _require(data.get("format") in formats, f"format {data.get('format')!r} is not one of {formats}")
    for key, minimum in (("dimension", 1), ("chunks", 0), ("sparse_dim", 0)):
        _require(_is_int(data.get(key, 0)) and data.get(key, 0) >= minimum, f"manifest {key} is not a count")
    _require(isinstance(data.get("model"), str), "manifest model is not text")
    _require(_is_text_list(data.get("background_passages", [])), "manifest background_passages is not a text list")
    documents = data.get("documents", [])
    _require(
        isinstance(documents, list) and all(_is_document(d) for d in documents),
        "manifest documents are not a list of documents",
    )
    return data


def added_part(entry: object) -> None:
    """A generation's note of its added part: how many chunks, and the part's manifest seal."""
    _require(
        isinstance(entry, dict)
        and _is_int(entry.get("chunks"))
        and entry["chunks"] >= 1
        and isinstance(entry.get("manifest_sha256"), str),
        "manifest added part is not {chunks, manifest_sha256}",
    )


def chunk_rows(blob: bytes, expected: int) -> list[Chunk]:
    return _chunk_rows(blob, expected, with_terms=False)[0]


def chunk_rows_with_terms(blob: bytes, expected: int) -> tuple[list[Chunk], list[dict[str, list[str]]]]:
    """Chunk rows of format 5, each with its lexical terms by field."""
    return _chunk_rows(blob, expected, with_terms=True)


def _chunk_rows(blob: bytes, expected: int, with_terms: bool) -> tuple[list[Chunk], list[dict[str, list[str]]]]:
    chunks, terms = [], []
    for number, row in enumerate(_json_lines(blob.decode("utf-8").splitlines())):
        _require(isinstance(row, dict), f"chunks.jsonl row {number + 1} is not an object")
        if with_terms:
            chunk_terms = row.pop("terms", None)
            _require(
                isinstance(chunk_terms, dict) and all(_is_text_list(v) for v in chunk_terms.values()),
                f"chunks.jsonl row {number + 1}: terms are not lists of words by field",
            )
            terms.append(chunk_terms)
        if not _plain_chunk(row, number):
            problem = _chunk_problem(row, number)
            _require(problem is None, f"chunks.jsonl row {number + 1}: {problem}")
        chunks.append(Chunk(**row))
    _require(len(chunks) == expected, f"{len(chunks)} chunks, the manifest says {expected}")
    return chunks, terms


def _json_lines(lines: list[str]) -> list:
    """Each line's JSON value. One parse of them all as an array (a million calls of json.loads
    cost most of loading a large index); line by line only to find a bad line's number."""
    try:
        return json.loads("[" + ",".join(lines) + "]")
    except ValueError:
        return [json.loads(line) for line in lines]


_KEYS = frozenset(_CHUNK_TYPES)
_REQUIRED_KEYS = _KEYS - _OPTIONAL_CHUNK_KEYS
_KEY_ORDER = tuple(_CHUNK_TYPES)
_MISSING_AS = tuple("" for _ in _KEY_ORDER)  # an absent optional key reads as text
_KINDS = tuple(int if _CHUNK_TYPES[key] == "int" else str for key in _KEY_ORDER)


def _plain_chunk(row: dict, number: int) -> bool:
    """The quick check every well-formed row passes (exact types: a bool is not an int);
    _chunk_problem says what is wrong with one that does not."""
    if row.keys() not in (_KEYS, _REQUIRED_KEYS) or row["id"] != number:
        return False
    return tuple(map(type, map(row.get, _KEY_ORDER, _MISSING_AS))) == _KINDS


def _chunk_problem(row: dict, number: int) -> str | None:
    keys = set(row)
    missing = set(_CHUNK_TYPES) - _OPTIONAL_CHUNK_KEYS - keys
    if missing:
        return f"missing {', '.join(sorted(missing))}"
    if keys - set(_CHUNK_TYPES):
        return f"unexpected {', '.join(sorted(keys - set(_CHUNK_TYPES)))}"
    for key in keys:
        wanted = int if _CHUNK_TYPES[key] == "int" else str
        if not isinstance(row[key], wanted) or isinstance(row[key], bool):
            return f"{key} is not {wanted.__name__}"
    if row["id"] != number:
        return f"id {row['id']} out of order"
    return None


CHUNK_COLUMNS = {
    "doc": np.int32,
    "section": np.int32,
    "paragraph": np.int32,
    "first_sentence": np.int32,
    "sentences": np.int32,
    "boilerplate": np.bool_,
    "text_starts": np.int64,
}
CHECKED_TEXT_BYTES = 1 << 24  # texts are decoded this much at a time to prove they are UTF-8


def chunk_table(columns_blob: bytes, names_blob: bytes, texts: bytes | mmap.mmap, expected: int) -> ChunkTable:
    """Chunk columns (format 7): one value a chunk in each, names of documents and sections within
    their tables, text spans ascending over the whole texts file, each text valid UTF-8."""
    names = json.loads(names_blob.decode("utf-8"))
    _require(isinstance(names, dict) and sorted(names) == ["documents", "sections"], "chunk_names.json malformed")
    documents, sections = names["documents"], names["sections"]
    _require(
        isinstance(documents, list) and all(_is_text_list(d) and len(d) == 3 for d in documents),
        "chunk_names.json documents are not (id, title, byline) triples",
    )
    _require(_is_text_list(sections), "chunk_names.json sections are not texts")
    with np.load(io.BytesIO(columns_blob), allow_pickle=False) as stored:
        _require(sorted(stored.files) == sorted(CHUNK_COLUMNS), f"chunk_columns.npz holds {sorted(stored.files)}")
        columns = {name: stored[name] for name in CHUNK_COLUMNS}
    for name, dtype in CHUNK_COLUMNS.items():
        length = expected + 1 if name == "text_starts" else expected
        column = columns[name]
        _require(
            column.dtype == dtype and column.shape == (length,), f"chunk {name} column is {column.dtype} {column.shape}"
        )
    for name, table in (("doc", documents), ("section", sections)):
        _require(
            not expected or 0 <= int(columns[name].min()) <= int(columns[name].max()) < len(table),
            f"chunk {name} numbers outside their table",
        )
    _require(
        bool((columns["sentences"] >= 1).all()) and bool((columns["first_sentence"] >= 0).all()),
        "chunk sentence counts",
    )
    starts = columns.pop("text_starts")
    _require(starts[0] == 0 and starts[-1] == len(texts) and bool((np.diff(starts) >= 0).all()), "chunk text spans")
    _utf8_texts(texts, starts)
    _release(texts)
    return ChunkTable(
        documents=tuple(tuple(d) for d in documents),
        sections=tuple(sections),
        **columns,
        texts=Texts((texts,), starts, (0,)),
    )


def _utf8_texts(texts: bytes | mmap.mmap, starts: np.ndarray) -> None:
    """Every text decodes as UTF-8 by itself: the whole file does, a piece at a time, and no text
    starts inside a character."""
    data = np.frombuffer(texts, dtype=np.uint8) if len(texts) else np.zeros(0, np.uint8)
    begins = starts[:-1][np.diff(starts) > 0]
    total = len(data)
    cuts = np.unique(np.append(starts[np.searchsorted(starts, np.arange(0, total, CHECKED_TEXT_BYTES))], total))
    for begin, end in pairwise(cuts):  # each piece begins and ends at a text's start
        piece = data[begin:end]
        inside = begins[np.searchsorted(begins, begin) : np.searchsorted(begins, end)] - begin
        _require(not bool(((piece[inside] & 0xC0) == 0x80).any()), "a chunk text starts inside a character")
        try:
            piece.tobytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ShapeError(f"chunk texts are not UTF-8 ({exc.reason})") from exc
        _release(texts)


LEXICAL_PARTS = {"ids": np.int32, "rows": np.int32, "counts": np.uint8, "lengths": np.float32}  # format 6
PACKED_LEXICAL = {
    "low": (np.uint16,),
    "starts": (np.uint32, np.int64),
    "counts": (np.uint8,),
    "lengths": (np.float32,),
    "head_terms": (np.int64,),
    "head_offsets": (np.int64,),
    "head_rows": (np.int32,),
    "head_counts": (np.uint8,),
}
CHECKED_POSTINGS = 1 << 24  # postings compared at a time (bounds the check's temporary arrays)


def lexical(arrays_file: bytes | mmap.mmap, terms_blob: bytes, chunks: int, packed: bool = True) -> LexicalIndex:
    """BM25 postings per field, read in place: runs of rows within the chunks, strictly ascending as
    BM25 reads them without sorting, counts of at least one, heads within the vocabulary and chunks.
    `packed=False`: format 6, (term id, row, count) triples."""
    vocabularies = json.loads(terms_blob.decode("utf-8"))
    _require(
        isinstance(vocabularies, dict) and all(_is_text_list(v) for v in vocabularies.values()),
        "lexical_terms.json is not a list of terms per field",
    )
    parts = PACKED_LEXICAL if packed else LEXICAL_PARTS
    arrays = npz_arrays(arrays_file)
    wanted = sorted(f"{name}_{part}" for name in vocabularies for part in parts)
    _require(sorted(arrays) == wanted, f"lexical.npz holds {sorted(arrays)}")
    for name, terms in vocabularies.items():
        field = {part: arrays[f"{name}_{part}"] for part in parts}
        if packed:
            _packed_field(name, len(terms), chunks, field, arrays_file)
        else:
            _lexical_field(name, len(terms), chunks, *field.values())
        _release(arrays_file)
    try:
        if packed:
            return LexicalIndex.from_packed(vocabularies, arrays, chunks)
        return LexicalIndex.from_arrays(vocabularies, arrays)
    except RepeatedTerm as exc:
        raise ShapeError(f"lexical field {exc} repeats a term") from exc


def _lexical_field(
    name: str, terms: int, chunks: int, ids: np.ndarray, rows: np.ndarray, counts: np.ndarray, lengths: np.ndarray
) -> None:
    for part, array in zip(LEXICAL_PARTS, (ids, rows, counts, lengths), strict=True):
        _require(array.dtype == LEXICAL_PARTS[part] and array.ndim == 1, f"lexical {name} {part} are {array.dtype}")
    _require(len(ids) == len(rows) == len(counts), f"lexical {name} ids, rows and counts differ in length")
    _require(len(lengths) == chunks, f"lexical {name} has lengths for {len(lengths)} chunks, not {chunks}")
    if len(ids):
        _require(int(ids.min()) >= 0 and int(ids.max()) < terms, f"lexical {name} term ids outside the vocabulary")
        _require(int(rows.min()) >= 0 and int(rows.max()) < chunks, f"lexical {name} rows outside the chunks")
        _require(int(counts.min()) >= 1, f"lexical {name} holds a count of 0")
        step = np.diff(ids.astype(np.int64))
        ascending = (step > 0) | ((step == 0) & (np.diff(rows.astype(np.int64)) > 0))
        _require(bool(ascending.all()), f"lexical {name} postings are not in (term, row) order")
    _require(bool(np.isfinite(lengths).all()) and bool((lengths >= 0).all()), f"lexical {name} lengths malformed")


def _packed_field(name: str, terms: int, chunks: int, field: dict[str, np.ndarray], file: bytes | mmap.mmap) -> None:
    for part, array in field.items():
        _require(array.dtype in PACKED_LEXICAL[part] and array.ndim == 1, f"lexical {name} {part} are {array.dtype}")
    low, starts, counts = field["low"], field["starts"], field["counts"]
    blocks = ((max(chunks, 1) - 1) >> BLOCK_BITS) + 1
    _require(len(starts) == terms * blocks + 1, f"lexical {name} has runs for {len(starts) - 1}, not {terms} terms")
    _require(len(counts) == len(low), f"lexical {name} rows and counts differ in length")
    _require(len(field["lengths"]) == chunks, f"lexical {name} has lengths for {len(field['lengths'])} chunks")
    _require(
        starts[0] == 0 and starts[-1] == len(low) and bool((starts[1:] >= starts[:-1]).all()), f"lexical {name} runs"
    )
    _require(not len(counts) or int(counts.min()) >= 1, f"lexical {name} holds a count of 0")
    _require(_ascending_runs(low, starts, file), f"lexical {name} postings are not ascending within a term")
    _require(_last_block_rows(low, starts, blocks) < chunks - ((blocks - 1) << BLOCK_BITS), f"lexical {name} rows")
    lengths = field["lengths"]
    _require(bool(np.isfinite(lengths).all()) and bool((lengths >= 0).all()), f"lexical {name} lengths malformed")
    _heads(name, terms, chunks, field)


def _last_block_rows(low: np.ndarray, starts: np.ndarray, blocks: int) -> int:
    """The highest offset among the postings in the last block (-1 if none): only there can a row
    lie past the chunks."""
    begins, ends = starts[blocks - 1 : -1 : blocks].astype(np.int64), starts[blocks::blocks].astype(np.int64)
    lengths = ends - begins
    if not lengths.sum():
        return -1
    positions = np.repeat(begins - (np.cumsum(lengths) - lengths), lengths) + np.arange(int(lengths.sum()))
    return int(low[positions].max())


def _ascending_runs(low: np.ndarray, starts: np.ndarray, file: bytes | mmap.mmap) -> bool:
    """Rows rise strictly within each run (a term's postings in one block), a slice at a time
    (`starts` ascends, as checked before)."""
    for begin in range(1, len(low), CHECKED_POSTINGS):
        end = min(begin + CHECKED_POSTINGS, len(low))
        rising = low[begin:end] > low[begin - 1 : end - 1]
        rising[starts[np.searchsorted(starts, begin) : np.searchsorted(starts, end)].astype(np.int64) - begin] = True
        if not rising.all():
            return False
        _release(file)
    return True


def _heads(name: str, terms: int, chunks: int, field: dict[str, np.ndarray]) -> None:
    head_terms, offsets, rows, counts = (field[f"head_{part}"] for part in ("terms", "offsets", "rows", "counts"))
    _require(len(offsets) == len(head_terms) + 1 and len(rows) == len(counts), f"lexical {name} heads differ in length")
    _require(
        offsets[0] == 0 and offsets[-1] == len(rows) and bool((offsets[1:] >= offsets[:-1]).all()),
        f"lexical {name} head offsets",
    )
    if len(head_terms):
        ascending = bool((head_terms[1:] > head_terms[:-1]).all())
        _require(ascending and head_terms[0] >= 0 and head_terms[-1] < terms, f"lexical {name} head terms")
    if len(rows):
        _require(int(rows.min()) >= 0 and int(rows.max()) < chunks, f"lexical {name} head rows outside the chunks")
        _require(int(counts.min()) >= 1, f"lexical {name} head holds a count of 0")


CHECKED_BYTES = 1 << 26  # a mapped array is checked this much at a time


def _holds_in_blocks(array: np.ndarray, test: Callable[[np.ndarray], bool], file: bytes | mmap.mmap) -> bool:
    """`test` holds for each block of about CHECKED_BYTES of rows, the mapped pages read let go after
    each: checking a file of gigabytes then holds one block's pages and temporaries, not the file's."""
    rows = max(1, CHECKED_BYTES // max(1, array[:1].nbytes))
    for start in range(0, len(array), rows):
        if not test(array[start : start + rows]):
            return False
        _release(file)
    return True


def _finite(block: np.ndarray) -> bool:
    return bool(np.isfinite(block).all())


def _release(file: bytes | mmap.mmap) -> None:
    """Let go of a memory map's pages once its checks have read them all: a question reads only
    its own rows and terms, and those come back from the page cache when it does."""
    if isinstance(file, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):  # not on Windows
        file.madvise(mmap.MADV_DONTNEED)


def npz_arrays(data: bytes | mmap.mmap) -> dict[str, np.ndarray]:
    """The arrays of an uncompressed .npz (as np.savez writes), each read in place: from a memory
    map nothing is copied."""
    view = memoryview(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else cast(IO[bytes], data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ShapeError(f"not a .npz archive ({exc})") from exc
    arrays = {}
    for entry in entries:
        _require(entry.compress_type == zipfile.ZIP_STORED and entry.filename.endswith(".npy"), "a compressed .npz")
        header = bytes(view[entry.header_offset : entry.header_offset + ZIP_LOCAL_HEADER])
        _require(len(header) == ZIP_LOCAL_HEADER and header[:4] == b"PK\x03\x04", f"{entry.filename} has no header")
        start = entry.header_offset + ZIP_LOCAL_HEADER + int.from_bytes(header[26:28], "little")
        start += int.from_bytes(header[28:30], "little")
        _require(start + entry.file_size <= len(view), f"{entry.filename} runs past the archive")
        arrays[entry.filename.removesuffix(".npy")] = npy_view(view[start : start + entry.file_size])
    return arrays


ZIP_LOCAL_HEADER = 30  # bytes of a zip entry's local header before its name and extra field


def vectors(index, dimension: int, count: int) -> None:
    _require(index.d == dimension, f"vectors have dimension {index.d}, the manifest says {dimension}")
    _require(index.ntotal == count, f"{index.ntotal} vectors for {count} chunks")


def background(blob: bytes, dimension: int, passages: int) -> np.ndarray:
    array = np.load(io.BytesIO(blob), allow_pickle=False)
    _require(
        array.dtype == np.float32 and array.shape == (passages, dimension),
        f"background vectors are {array.dtype} {array.shape}, expected float32 ({passages}, {dimension})",
    )
    _require(bool(np.isfinite(array).all()), "background vectors hold NaN or infinity")
    return array


def sparse(file: bytes | mmap.mmap, sparse_dim: int, chunks: int, passages: int) -> tuple[SparseRows, SparseRows]:
    """The latent terms of chunks and background passages, read in place."""
    loaded = npz_arrays(file)
    _require(sorted(loaded) == sorted(SPARSE_KEYS), f"sparse.npz holds {sorted(loaded)}")
    rows = (
        _sparse_rows(
            loaded["indices"],
            loaded["weights"],
            sparse_dim,
            chunks if sparse_dim else 0,
            "chunk",
            stored_terms(chunks),
            file,
        ),
        _sparse_rows(
            loaded["background_indices"],
            loaded["background_weights"],
            sparse_dim,
            passages if sparse_dim else 0,
            "background",
            stored_terms(chunks),
            file,
        ),
    )
    return rows


def _sparse_rows(
    indices: np.ndarray,
    weights: np.ndarray,
    sparse_dim: int,
    count: int,
    what: str,
    terms: int,
    file: bytes | mmap.mmap,
) -> SparseRows:
    shape = (count, terms)
    _require(sparse_dim < PAD, f"latent term dimension {sparse_dim} does not fit 16 bits")
    _require(indices.dtype == np.uint16 and indices.shape == shape, f"{what} latent term indices are {indices.shape}")
    _require(weights.dtype == np.float16 and weights.shape == shape, f"{what} latent term weights are {weights.shape}")

    def in_range(block: np.ndarray) -> bool:
        return bool(((block < max(sparse_dim, 1)) | (block == PAD)).all())

    _require(_holds_in_blocks(indices, in_range, file), f"{what} latent term index out of range")
    _require(_holds_in_blocks(weights, _finite, file), f"{what} latent term weights hold NaN or infinity")
    return SparseRows(indices, weights)


def sparse_postings(blob: bytes, sparse_dim: int, chunks: int) -> SparsePostings:
    """The latent terms' inverted index: offsets for every term, rows inside the collection."""
    with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
        _require(
            sorted(arrays.files) == ["offsets", "rows", "weights"], f"sparse_postings.npz holds {sorted(arrays.files)}"
        )
        offsets, rows, weights = arrays["offsets"], arrays["rows"], arrays["weights"]
    _require(
        offsets.dtype == np.int64 and offsets.shape == (sparse_dim + 1,), f"latent postings offsets are {offsets.shape}"
    )
    _require(offsets[0] == 0 and bool((np.diff(offsets) >= 0).all()), "latent postings offsets do not ascend from 0")
    _require(rows.dtype == np.int32 and offsets[-1] == len(rows), f"latent postings hold {len(rows)} rows")
    _require(weights.dtype == np.float16 and weights.shape == rows.shape, "latent postings weights do not match rows")
    _require(bool(((rows >= 0) & (rows < chunks)).all()), "latent postings point outside the chunks")
    _require(bool(np.isfinite(weights).all()), "latent postings weights hold NaN or infinity")
    return SparsePostings(offsets, rows, weights)


def sentences(vectors_file: bytes | mmap.mmap, rows_blob: bytes, dimension: int, windows: int) -> SentenceVectors:
    """The sentence vectors (read in place from a memory map) and each window's rows of them."""
    vectors = npy_view(vectors_file)
    _require(
        vectors.dtype == np.float32 and vectors.ndim == 2 and vectors.shape[1] == dimension,
        f"sentence vectors are {vectors.dtype} {vectors.shape}, expected float32 (n, {dimension})",
    )
    _require(_holds_in_blocks(vectors, _finite, vectors_file), "sentence vectors hold NaN or infinity")
    with np.load(io.BytesIO(rows_blob), allow_pickle=False) as arrays:
        _require(sorted(arrays.files) == ["offsets", "rows"], f"sentence_rows.npz holds {sorted(arrays.files)}")
        offsets, rows = arrays["offsets"], arrays["rows"]
    _require(offsets.ndim == 1 and len(offsets) == windows + 1, f"sentence offsets for {len(offsets) - 1} windows")
    _require(offsets[0] == 0 and bool((np.diff(offsets) >= 0).all()) and offsets[-1] == len(rows), "sentence offsets")
    _require(bool(((rows >= 0) & (rows < len(vectors))).all()), "sentence rows point outside the sentence vectors")
    return SentenceVectors(vectors, offsets.astype(np.int64), rows.astype(np.int64))


def npy_view(data: bytes | mmap.mmap | memoryview) -> np.ndarray:
    """The array a .npy file holds, read in place (from a memory map, nothing is copied)."""
    header = io.BytesIO(bytes(data[: min(len(data), NPY_HEADER_BYTES)]))
    try:
        version = np.lib.format.read_magic(header)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
        _require(version in read_header, f"a .npy file of version {version}")
        shape, fortran_order, dtype = read_header[version](header)
    except ValueError as exc:
        raise ShapeError(f"not a .npy array ({exc})") from exc
    _require(not fortran_order and not dtype.hasobject, "a .npy array of objects or in Fortran order")
    count = int(np.prod(shape))
    _require(header.tell() + count * dtype.itemsize == len(data), "a .npy array of another size than its file")
    return np.frombuffer(data, dtype=dtype, count=count, offset=header.tell()).reshape(shape)


NPY_HEADER_BYTES = 65_536 + 16  # the largest header of a .npy file, version 2 and up


def translation(blob: bytes) -> dict:
    tables = json.loads(blob.decode("utf-8"))
    _require(
        isinstance(tables, dict) and {"phrases", "readings"} <= set(tables) <= {"phrases", "readings", "neighbours"},
        "translation.json is not {phrases, readings, neighbours}",
    )
    _neighbour_table(tables.get("neighbours", {}))
    for name, table in ((k, v) for k, v in tables.items() if k != "neighbours"):
        _require(
            isinstance(table, dict) and all(_is_text_list(v) for v in table.values()),
            f"translation {name} is not a table of word lists",
        )
    return tables


def _neighbour_table(table: object) -> None:
    """The Mongolian neighbour table: words and their float16 vectors and hubness, base64-packed."""
    _require(isinstance(table, dict), "translation neighbours is not a table")
    assert isinstance(table, dict)
    words, dim = table.get("words", []), table.get("dim", 0)
    _require(_is_text_list(words) and _is_int(dim), "translation neighbours words or dim malformed")
    if not words:
        return
    for key, size in (("vectors", len(words) * dim * 2), ("hubness", len(words) * 2)):
        packed = table.get(key)
        _require(
            isinstance(packed, str) and len(base64.b64decode(packed, validate=True)) == size,
            f"translation neighbours {key} do not match {len(words)} words",
        )


def _is_document(entry: object) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("id"), str)
        and isinstance(entry.get("title"), str)
        and _is_int(entry.get("chunks", 0))
        and all(isinstance(v, str) for k, v in entry.items() if k != "chunks")
    )


def _is_text_list(value: object) -> bool:
    """A list of strings. str.join checks every item in C and refuses anything else: a 100,000-chunk
    index holds some 20 million terms, and a Python check of each took most of its loading time."""
    if not isinstance(value, list):
        return False
    try:
        "".join(value)
    except TypeError:
        return False
    return True


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _require(condition: bool, problem: str) -> None:
    if not condition:
        raise ShapeError(problem)
