"""Whether a stored FAISS file may be read in place.

FAISS can map an inverted-file index's lists from its file instead of copying them
(IO_FLAG_MMAP_IFC), but its mapped reader trusts the list sizes it finds: one damaged size made it
hang for over a minute, where reading a copy raised at once. So the file is walked here first, field
by field, in the layout FAISS (1.8 to 1.15 at least) writes for the index `store.dense_index` builds
above its exact range: an inverted file over 8-bit scalar-quantised vectors with a direct map. It is
read in place only if every count agrees with the manifest and the lists end exactly where the file
does. Any other kind of index is read as a copy, as before; a damaged one is a ShapeError. Should
another FAISS write that kind of index differently, `walks_this_faiss` finds out on an index of its
own making, and every file is then read as a copy rather than refused as damaged.
"""

from __future__ import annotations

import mmap
import struct
from functools import lru_cache

import faiss
import numpy as np

from citebot.index.storage.shapes import ShapeError

IVF_SCALAR_QUANTIZER = b"IwSq"
FLAT_INNER_PRODUCT = b"IxFI"
ARRAY_LISTS = b"ilar"
FULL_SIZES, SPARSE_SIZES = b"full", b"sprs"
_INDEX_HEADER = struct.Struct("<iqqqBi")  # dimension, vectors, two unused fields, trained, metric
_ID_BYTES = 8


def inverted_file(dimension: int, lists: int) -> faiss.IndexIVFScalarQuantizer:
    """The kind of index store.dense_index builds above its exact range, untrained."""
    return faiss.IndexIVFScalarQuantizer(
        faiss.IndexFlatIP(dimension), dimension, lists, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )


@lru_cache(maxsize=1)
def walks_this_faiss() -> bool:
    """Whether the walk below accepts a small index of that kind as this FAISS writes it."""
    dimension, vectors = 8, np.random.default_rng(0).standard_normal((200, 8), dtype=np.float32)
    index = inverted_file(dimension, 2)
    index.train(vectors)
    index.add(vectors)
    index.make_direct_map()
    try:
        _walk_inverted_file(_Reader(memoryview(faiss.serialize_index(index).tobytes())), dimension, len(vectors))
    except ShapeError:
        return False
    return True


def readable_in_place(file: bytes | mmap.mmap, dimension: int, count: int) -> bool:
    """True for an inverted file whose lists add up to the file; False for another kind of index, or
    if this FAISS writes inverted files in a layout the walk does not know. A file that says it is an
    inverted file and does not add up raises ShapeError."""
    if file[:4] != IVF_SCALAR_QUANTIZER or not walks_this_faiss():
        return False
    _walk_inverted_file(_Reader(memoryview(file)), dimension, count)
    return True


def _walk_inverted_file(reader: _Reader, dimension: int, count: int) -> None:
    reader.expect(reader.fourcc() == IVF_SCALAR_QUANTIZER, "not an inverted file over 8-bit codes")
    reader.index_header(dimension, count)
    lists, _probed = reader.take("<QQ")
    reader.expect(lists > 0, "an inverted file of no lists")
    reader.expect(reader.fourcc() == FLAT_INNER_PRODUCT, "the list centroids are not an exact inner-product index")
    reader.index_header(dimension, lists)
    reader.vector(4, lists * dimension, "list centroids")
    places = _direct_map(reader, count)
    _scalar_quantizer(reader, dimension)
    code_size, by_residual = reader.take("<QB")
    reader.expect(code_size == dimension, f"codes of {code_size} bytes for dimension {dimension}")
    reader.expect(by_residual in (0, 1), "a flag that is neither true nor false")  # FAISS refuses it
    sizes = _lists(reader, lists, code_size, count)
    _ids_and_places(reader, sizes, code_size, places)


def _direct_map(reader: _Reader, count: int) -> np.ndarray:
    """Each vector's place, (list << 32) | position: what reconstructing a chunk's vector reads."""
    (kind,) = reader.take("<B")
    reader.expect(kind == 1, f"direct map of kind {kind}")  # dense_index always keeps an array
    start = reader.position + 8
    reader.vector(8, count, "direct map")
    return np.frombuffer(reader.data, dtype="<i8", count=count, offset=start)


def _scalar_quantizer(reader: _Reader, dimension: int) -> None:
    kind, _range, _range_arg, quantized, code_size = reader.take("<iifQQ")
    reader.expect(kind == faiss.ScalarQuantizer.QT_8bit, f"scalar quantizer of kind {kind}")
    reader.expect(quantized == dimension and code_size == dimension, "scalar quantizer of another dimension")
    reader.vector(4, 2 * dimension, "scalar quantizer ranges")


def _lists(reader: _Reader, lists: int, code_size: int, count: int) -> list[int]:
    reader.expect(reader.fourcc() == ARRAY_LISTS, "inverted lists of another kind")
    stored_lists, stored_code_size = reader.take("<QQ")
    reader.expect((stored_lists, stored_code_size) == (lists, code_size), "inverted lists of another shape")
    sizes = _list_sizes(reader, lists)
    reader.expect(sum(sizes) == count, f"inverted lists hold {sum(sizes)} vectors for {count} chunks")
    remaining = len(reader.data) - reader.position
    reader.expect(remaining == count * (code_size + _ID_BYTES), "inverted lists do not end with the file")
    return sizes


def _ids_and_places(reader: _Reader, sizes: list[int], code_size: int, places: np.ndarray) -> None:
    """Every chunk's id once, each where the direct map places it: else a search could return a row
    that does not exist, and reconstructing a vector would read outside the lists."""
    ids, expected_places, start = [], [], reader.position
    for number, size in enumerate(sizes):
        start += size * code_size
        ids.append(np.frombuffer(reader.data, dtype="<i8", count=size, offset=start))
        expected_places.append((number << 32) | np.arange(size, dtype=np.int64))
        start += size * _ID_BYTES
    listed = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
    count = len(places)
    reader.expect(bool(((listed >= 0) & (listed < count)).all()), "inverted lists hold ids of no chunk")
    reader.expect(bool((np.bincount(listed, minlength=count) == 1).all()), "inverted lists repeat an id")
    reader.expect(bool((places[listed] == np.concatenate(expected_places)).all()), "direct map disagrees")


def _list_sizes(reader: _Reader, lists: int) -> list[int]:
    kind = reader.fourcc()
    if kind == FULL_SIZES:
        (stored,) = reader.take("<Q")
        reader.expect(stored == lists, f"{stored} list sizes for {lists} lists")
        return reader.counts(lists)
    reader.expect(kind == SPARSE_SIZES, "list sizes of another kind")
    (stored,) = reader.take("<Q")
    reader.expect(stored % 2 == 0 and stored // 2 <= lists, "list sizes of another shape")
    pairs = reader.counts(stored)
    sizes = [0] * lists
    for number, size in zip(pairs[::2], pairs[1::2], strict=True):
        reader.expect(number < lists and not sizes[number], f"list {number} sized twice or out of range")
        sizes[number] = size
    return sizes


class _Reader:
    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.position = 0

    def take(self, layout: str) -> tuple:
        size = struct.calcsize(layout)
        self.expect(self.position + size <= len(self.data), "the FAISS file ends early")
        values = struct.unpack_from(layout, self.data, self.position)
        self.position += size
        return values

    def counts(self, number: int) -> list[int]:
        """`number` unsigned 64-bit counts, as Python ints so that damaged ones cannot overflow a sum."""
        self.expect(self.position + number * 8 <= len(self.data), "the FAISS file ends early")
        values = np.frombuffer(self.data, dtype="<u8", count=number, offset=self.position).tolist()
        self.position += number * 8
        return values

    def fourcc(self) -> bytes:
        return bytes(self.take("<4s")[0])

    def index_header(self, dimension: int, vectors: int) -> None:
        stored_dimension, stored_vectors, _, _, trained, metric = self.take(_INDEX_HEADER.format)
        self.expect(stored_dimension == dimension, f"dimension {stored_dimension}, the manifest says {dimension}")
        self.expect(stored_vectors == vectors, f"{stored_vectors} vectors where {vectors} were expected")
        self.expect(trained == 1 and metric == faiss.METRIC_INNER_PRODUCT, "an untrained index or another metric")

    def vector(self, item_size: int, expected: int, what: str) -> None:
        (stored,) = self.take("<Q")
        self.expect(stored == expected, f"{what}: {stored} items where {expected} were expected")
        self.expect(self.position + stored * item_size <= len(self.data), "the FAISS file ends early")
        self.position += stored * item_size

    @staticmethod
    def expect(condition: bool, problem: str) -> None:
        if not condition:
            raise ShapeError(f"vectors.faiss: {problem}")
