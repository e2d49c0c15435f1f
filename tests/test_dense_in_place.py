"""A large collection's dense index is read in place, and only once its file has been checked to add up.

Above store.EXACT_UP_TO chunks the dense index is an inverted file; its lists (a quarter of a
million-chunk collection's memory) are mapped from the file rather than copied. FAISS's mapped
reader trusts the list sizes it finds (a damaged one made it hang), so faiss_layout walks the file
first: these tests damage it the ways that matter and check that loading refuses it, at once.
"""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import faiss
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citebot import synthetic
from citebot.index.storage import faiss_layout, integrity, store
from citebot.index.storage.build import build_index
from citebot.index.storage.shapes import ShapeError
from tests.support import embedder, write_small_corpus

LARGE = store.EXACT_UP_TO + 500


@pytest.fixture(scope="module")
def large_generation(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("large")
    build_index(write_small_corpus(root / "data"), root / "small", embedder())
    return synthetic.replicate_generation(store.load(root / "small"), root / "large", LARGE)


def test_a_large_collection_maps_its_lists_from_the_file_and_finds_what_was_written(large_generation):
    stored = store.load(large_generation.parents[1])
    assert isinstance(stored.vectors, faiss.IndexIVF) and stored.vectors.ntotal == LARGE
    mapped = Path("/proc/self/maps").read_text()
    assert str(large_generation.resolve() / store.VECTORS) in mapped

    copy = faiss.deserialize_index(np.fromfile(large_generation / store.VECTORS, dtype=np.uint8))
    rows = np.arange(0, LARGE, 997)
    vectors = stored.vectors.reconstruct_batch(rows)
    assert np.array_equal(vectors, copy.reconstruct_batch(rows))
    _, found = store.dense_search(stored.vectors, vectors, 1)
    assert (found[:, 0] == rows).mean() >= 0.9  # 8-bit codes, 32 of 143 lists probed
    assert np.array_equal(found, store.dense_search(copy, vectors, 1)[1])


def lists_of(data: bytes) -> tuple[int, int]:
    """Where the list sizes start in an inverted file whose sizes are stored in full, and how many."""
    at = data.rindex(b"ilar", 0, len(data) - LARGE * (384 + 8))
    assert data[at + 20 : at + 24] == b"full"
    (lists,) = struct.unpack_from("<Q", data, at + 24)
    return at + 32, lists


def move_a_vector_to_the_next_list(data: bytearray) -> None:
    sizes_at, _ = lists_of(bytes(data))
    first, second = struct.unpack_from("<QQ", data, sizes_at)
    struct.pack_into("<QQ", data, sizes_at, first + 1, second - 1)  # same total, lists misaligned


def grow_a_list(data: bytearray) -> None:
    sizes_at, _ = lists_of(bytes(data))
    struct.pack_into("<Q", data, sizes_at, 2**40)


def repeat_an_id(data: bytearray) -> None:
    sizes_at, lists = lists_of(bytes(data))
    (first,) = struct.unpack_from("<Q", data, sizes_at)
    ids_at = sizes_at + 8 * lists + first * 384
    data[ids_at + 8 : ids_at + 16] = data[ids_at : ids_at + 8]


def id_of_no_chunk(data: bytearray) -> None:
    sizes_at, lists = lists_of(bytes(data))
    (first,) = struct.unpack_from("<Q", data, sizes_at)
    struct.pack_into("<q", data, sizes_at + 8 * lists + first * 384, LARGE + 7)


def direct_map_elsewhere(data: bytearray) -> None:
    """The first vector's place, as reconstructing its chunk's vector reads it, moved far past its list."""
    at = data.index(LARGE.to_bytes(8, "little"), 200)  # the direct map's length, then the places
    (place,) = struct.unpack_from("<q", data, at + 8)
    struct.pack_into("<q", data, at + 8, place + 10**6)


@pytest.mark.parametrize(
    "damage", [move_a_vector_to_the_next_list, grow_a_list, repeat_an_id, id_of_no_chunk, direct_map_elsewhere]
)
def test_a_damaged_inverted_file_is_refused_even_with_a_matching_checksum(large_generation, tmp_path, damage):
    data = bytearray((large_generation / store.VECTORS).read_bytes())
    damage(data)
    (tmp_path / store.VECTORS).write_bytes(bytes(data))
    files = integrity.file_entries(tmp_path, exclude="")
    with pytest.raises(ShapeError, match="vectors.faiss"):
        store.read_dense(tmp_path, files, 384, LARGE)


def test_loading_a_collection_whose_lists_were_damaged_says_to_rebuild(large_generation, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(large_generation.parents[1], index_dir, symlinks=True)
    generation = (index_dir / "current").resolve()
    data = bytearray((generation / store.VECTORS).read_bytes())
    grow_a_list(data)
    (generation / store.VECTORS).write_bytes(bytes(data))
    manifest = json.loads((generation / store.MANIFEST).read_text(encoding="utf-8"))
    manifest["files"] = integrity.file_entries(generation, exclude=store.MANIFEST)
    (generation / store.MANIFEST).write_text(json.dumps(integrity.seal(manifest)), encoding="utf-8")
    with pytest.raises(store.IndexCorrupt, match=r"damaged.*citebot reindex"):
        store.load(index_dir)


def small_inverted_file() -> bytes:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((600, 8)).astype(np.float32)
    index = faiss_layout.inverted_file(8, 12)
    index.train(vectors)
    index.add(vectors)
    index.make_direct_map()
    return faiss.serialize_index(index).tobytes()


SMALL = small_inverted_file()


@settings(max_examples=300, deadline=None)
@given(
    at=st.integers(0, len(SMALL) - 8),
    value=st.one_of(st.integers(0, 2**64 - 1), st.integers(0, 1000), st.sampled_from([2**32, 2**63 - 1])),
)
def test_any_word_overwritten_is_refused_or_reads_in_place_without_harm(tmp_path_factory, at, value):
    data = bytearray(SMALL)
    data[at : at + 8] = value.to_bytes(8, "little")
    try:
        in_place = faiss_layout.readable_in_place(bytes(data), 8, 600)
    except ShapeError:
        return
    if not in_place:  # read as a copy, as any index that does not say it is an inverted file
        assert data[:4] != faiss_layout.IVF_SCALAR_QUANTIZER
        return
    path = tmp_path_factory.mktemp("overwritten") / store.VECTORS
    path.write_bytes(bytes(data))
    index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC)
    _, found = store.dense_search(index, np.ones((2, 8), dtype=np.float32), 10)
    assert found.max() < 600 and found.min() >= -1
    assert index.reconstruct_batch(np.arange(600)).shape == (600, 8)


def test_the_walk_knows_how_this_faiss_writes_an_inverted_file():
    """Else every large collection would be read as a copy: a FAISS that changed its format."""
    assert faiss_layout.walks_this_faiss()


def test_an_exact_index_is_read_as_a_copy():
    flat = faiss.IndexFlatIP(8)
    flat.add(np.eye(8, dtype=np.float32))
    assert not faiss_layout.readable_in_place(faiss.serialize_index(flat).tobytes(), 8, 8)
