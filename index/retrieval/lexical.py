"""BM25 over per-field term lists, with an inverted index so scoring touches only matching chunks."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np

K1 = 1.2
B = 0.75


class BM25:
    def __init__(self, documents: list[list[str]]) -> None:
        self.size = len(documents)
        self.lengths = np.array([len(d) for d in documents], dtype=np.float32)
        self.average_length = float(self.lengths.mean()) if self.size and self.lengths.sum() else 1.0
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for row, terms in enumerate(documents):
            for term, count in Counter(terms).items():
                self.postings[term].append((row, count))

    def idf(self, term: str) -> float:
        n = len(self.postings.get(term, ()))
        return math.log(1 + (self.size - n + 0.5) / (n + 0.5))

    def scores(self, query: list[str]) -> np.ndarray:
        scores = np.zeros(self.size, dtype=np.float32)
        norm = K1 * (1 - B + B * self.lengths / self.average_length)
        for term in set(query):
            postings = self.postings.get(term)
            if not postings:
                continue
            rows = np.fromiter((r for r, _ in postings), dtype=np.int64, count=len(postings))
            tf = np.fromiter((c for _, c in postings), dtype=np.float32, count=len(postings))
            scores[rows] += self.idf(term) * tf * (K1 + 1) / (tf + norm[rows])
        return scores

    def ceiling(self, query: list[str]) -> float:
        """The score of a chunk holding every query term, so scores read as coverage from 0 to 1.

        Terms the corpus lacks count too: a question whose words are mostly absent scores low.
        """
        return sum(self.idf(t) * (K1 + 1) for t in set(query)) or 1.0


class LexicalIndex:
    """One BM25 per language field."""

    def __init__(self, field_terms: list[dict[str, list[str]]]) -> None:
        fields = {name for terms in field_terms for name in terms}
        self.fields = {name: BM25([terms.get(name, []) for terms in field_terms]) for name in fields}

    def postings(self) -> dict[str, dict[str, list[tuple[int, int]]]]:
        """field -> term -> [(row, count)], for terms the collection holds."""
        return {name: bm25.postings for name, bm25 in self.fields.items()}

    def scores(self, query: dict[str, list[str]], size: int) -> np.ndarray:
        """Coverage of the query by each chunk, 0 to 1, summed over the fields the query uses."""
        total = np.zeros(size, dtype=np.float32)
        ceiling = 0.0
        for field, terms in query.items():
            bm25 = self.fields.get(field)
            if bm25 is None or not terms:
                continue
            total += bm25.scores(terms)
            ceiling += bm25.ceiling(terms)
        return total / ceiling if ceiling else total
