"""Measure BM25 libraries against citebot's own postings on a generated field (issue 9: "measure
before choosing"). Not part of the package; run it from a checkout with the libraries on the path:

    pip install --target /tmp/bm25libs bm25s tantivy scipy   # then remove the numpy it brings
    PYTHONPATH=/tmp/bm25libs .venv/bin/python tools/bm25_libraries.py 100000 1000000

Each chunk holds the Chinese field of `citebot/synthetic.py` (42 words drawn, a third of them
repeated, half from its topic's 300 words, the rest Zipf-distributed over 300,000); a question is
8 words of one chunk's topic. Every engine returns its top 100 rows for the question, which is what
the fused search takes from the lexical leg; overlap is measured against exact BM25 over every chunk.
"""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from citebot.index.retrieval.lexical import BM25, LexicalIndex
from citebot.synthetic import CHUNKS_PER_TOPIC, FIELDS, words_of

WANTED = 100
QUESTIONS = 200
QUESTION_WORDS = 8


def generate(size: int, seed: int = 0) -> tuple[np.ndarray, list[np.ndarray]]:
    """Each chunk's word ids (with repeats) and the questions' word ids."""
    rng = np.random.default_rng(seed)
    count, vocabulary = FIELDS["zh"]
    topics = rng.integers(0, max(1, size // CHUNKS_PER_TOPIC), size)
    drawn = words_of(rng, topics, count, vocabulary)
    repeats = np.take_along_axis(drawn, rng.integers(0, count, (size, count // 3)), axis=1)
    asked = rng.integers(0, size, QUESTIONS)
    questions = [np.unique(words_of(rng, topics[row : row + 1], QUESTION_WORDS, vocabulary)[0]) for row in asked]
    return np.hstack([drawn, repeats]), questions


def timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def latency(search, questions) -> tuple[dict, list[np.ndarray]]:
    found, seconds = [], []
    for q in questions:
        elapsed, rows = timed(lambda q=q: search(q))
        seconds.append(elapsed * 1000)
        found.append(np.asarray(rows))
    return {"p50_ms": float(np.percentile(seconds, 50)), "p95_ms": float(np.percentile(seconds, 95))}, found


def overlap(found: list[np.ndarray], exact: list[np.ndarray]) -> float:
    return float(np.mean([len(np.intersect1d(f, e)) / len(e) for f, e in zip(found, exact, strict=True)]))


def ours(words: np.ndarray, questions) -> tuple[dict, list[np.ndarray]]:
    size, vocabulary = len(words), FIELDS["zh"][1]

    def build() -> BM25:
        keys, counts = np.unique((np.arange(size)[:, None] * vocabulary + words).ravel(), return_counts=True)
        lengths = np.bincount(keys // vocabulary, weights=counts, minlength=size).astype(np.float32)
        names = {f"w{w}": w for w in range(vocabulary)}
        return BM25.from_triples(names, keys % vocabulary, keys // vocabulary, counts, lengths)

    seconds, bm25 = timed(build)
    terms = [[f"w{w}" for w in q] for q in questions]

    def exact(query: list[str]) -> np.ndarray:
        scores = bm25.scores(query)
        return np.argpartition(-scores, WANTED)[:WANTED]

    lexical = LexicalIndex(fields={"zh": bm25})  # the candidate path a large collection's search takes
    every, exact_rows = latency(exact, terms)
    heads, head_rows = latency(lambda query: lexical.candidates({"zh": query}, WANTED), terms)
    report = {
        "build_s": seconds,
        "memory_mb": bm25.nbytes() / 2**20,
        "every_chunk": every,
        "candidates": {**heads, "overlap": overlap(head_rows, exact_rows)},
    }
    return report, exact_rows


def with_bm25s(words: np.ndarray, questions, exact_rows) -> dict:
    import bm25s

    corpus = [[f"w{w}" for w in row] for row in words.tolist()]
    retriever = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
    seconds, _ = timed(lambda: retriever.index(corpus, show_progress=False))
    memory = sum(retriever.scores[k].nbytes for k in ("data", "indices", "indptr")) / 2**20
    known = retriever.vocab_dict

    def search(q) -> np.ndarray:
        ids = [known[f"w{w}"] for w in q if f"w{w}" in known]
        scores = retriever.get_scores_from_ids(ids)
        return np.argpartition(-scores, WANTED)[:WANTED]

    lat, found = latency(search, questions)
    return {"build_s": seconds, "memory_mb": memory, **lat, "overlap": overlap(found, exact_rows)}


def with_tantivy(words: np.ndarray, questions, exact_rows, directory: Path) -> dict:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="default")
    builder.add_integer_field("row", stored=True, fast=True)
    schema = builder.build()
    index = tantivy.Index(schema, path=str(directory))

    def build() -> None:
        writer = index.writer(heap_size=512 * 2**20, num_threads=2)
        for row, ids in enumerate(words.tolist()):
            writer.add_document(tantivy.Document(body=" ".join(f"w{w}" for w in ids), row=row))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()

    seconds, _ = timed(build)
    searcher = index.searcher()
    disk = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()) / 2**20

    def search(q) -> np.ndarray:
        query = index.parse_query(" OR ".join(f"w{w}" for w in q), ["body"])
        hits = searcher.search(query, WANTED).hits
        return np.array([searcher.doc(address)["row"][0] for _, address in hits])

    lat, found = latency(search, questions)
    return {"build_s": seconds, "disk_mb": disk, **lat, "overlap": overlap(found, exact_rows)}


def with_fts5(words: np.ndarray, questions, exact_rows, path: Path) -> dict:
    db = sqlite3.connect(path)
    db.execute("CREATE VIRTUAL TABLE chunks USING fts5(body, content='')")

    def build() -> None:
        rows = ((row + 1, " ".join(f"w{w}" for w in ids)) for row, ids in enumerate(words.tolist()))
        db.executemany("INSERT INTO chunks(rowid, body) VALUES (?, ?)", rows)
        db.execute("INSERT INTO chunks(chunks) VALUES ('optimize')")
        db.commit()

    seconds, _ = timed(build)
    disk = path.stat().st_size / 2**20

    def search(q) -> np.ndarray:
        match = " OR ".join(f"w{w}" for w in q)
        found = db.execute(
            "SELECT rowid FROM chunks WHERE chunks MATCH ? ORDER BY bm25(chunks) LIMIT ?", (match, WANTED)
        ).fetchall()
        return np.array([r - 1 for (r,) in found])

    lat, found = latency(search, questions)
    db.close()
    return {"build_s": seconds, "disk_mb": disk, **lat, "overlap": overlap(found, exact_rows)}


def main(sizes: list[int]) -> None:
    for size in sizes:
        words, questions = generate(size)
        report: dict = {"chunks": size, "postings_per_chunk": int(np.mean([len(set(r)) for r in words[:1000]]))}
        report["citebot"], exact_rows = ours(words, questions)
        gc.collect()
        report["bm25s"] = with_bm25s(words, questions, exact_rows)
        gc.collect()
        with tempfile.TemporaryDirectory() as scratch:
            os.mkdir(Path(scratch) / "tantivy")
            report["tantivy"] = with_tantivy(words, questions, exact_rows, Path(scratch) / "tantivy")
            report["sqlite_fts5"] = with_fts5(words, questions, exact_rows, Path(scratch) / "fts5.sqlite3")
        print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [100_000])
