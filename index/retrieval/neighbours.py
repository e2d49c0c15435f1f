"""A Chinese reading of Mongolian questions from the embedding model's own cross-lingual neighbours.

No Mongolian-Chinese dictionary ships on PyPI or Debian, but the multilingual model places a
Mongolian word near the Chinese word that translates it. So each content word of a Cyrillic
question (its case endings removed, mongolian.py) is embedded and replaced by the collection's
closest Chinese word when that one is close enough. The reading joins the dense query (as the
English and Korean readings do, translation.py) and the Chinese lexical field.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable

import numpy as np

from citebot.index.retrieval import mongolian
from citebot.index.retrieval.embedding import Embedder

MIN_SIMILARITY = 0.02  # over the word's hubness-corrected similarity (see words())
HUB_NEIGHBOURS = 10
MIN_WORD_CHARS = 3
MAX_WORDS = 12
_CYRILLIC_WORD = re.compile(r"[А-Яа-яЁёӨөҮү]+(?:-[А-Яа-яЁёӨөҮү]+)*")
# Question words, particles, auxiliaries and pronouns: they carry no topic.
STOPWORDS = frozenset(
    (
        "вэ бэ уу үү юу юү юуг юуны юунд юугаар ямар ямархуу яагаад яаж хэрхэн хэн хэнд хэнийг хэний хэзээ "
        "хаана хаанаас хэд хэдэн хэдий хэчнээн хэр аль нь ба болон бол гэж гэсэн гэдэг юм байна байсан байдаг "
        "байгаа байх энэ тэр эдгээр тэдгээр түүний тэд бид би чи та манай танай өөр өөрийн ч л даа дээ шүү "
        "мөн бас хийсэн хийх болсон болох гэх өгөөч хэлж хэлнэ"
    ).split()
)


def content_words(question: str) -> list[str]:
    words = [mongolian.stem(w) for w in _CYRILLIC_WORD.findall(question)]
    kept = [w for w in words if len(w) >= MIN_WORD_CHARS and w not in STOPWORDS]
    return list(dict.fromkeys(kept))[:MAX_WORDS]


NEIGHBOURS = "neighbours"  # the key of the table in the index's translation tables


def neighbour_table(embedder: Embedder, vocabulary: Iterable[str]) -> dict:
    """The vocabulary's vectors and hubness, computed at index time and stored with the index
    (half precision, base64) so that no question pays for them."""
    words = sorted(set(vocabulary))
    if not words:
        return {"words": [], "vectors": "", "hubness": ""}
    vectors = embedder.embed_queries(words)
    within = vectors @ vectors.T
    np.fill_diagonal(within, -1.0)
    hubness = _hubness(within)
    return {"words": words, "dim": int(vectors.shape[1]), "vectors": _pack(vectors), "hubness": _pack(hubness)}


def extended_neighbour_table(embedder: Embedder, table: dict, vocabulary: Iterable[str]) -> dict:
    """The table with the words of `vocabulary` it lacks (an appended document's). The new words'
    hubness is measured against every word; the known words keep theirs (a few new words barely
    move a word's ten closest), so nothing already stored is embedded again."""
    known = list(table.get("words", []))
    new = sorted(set(vocabulary) - set(known))
    if not new:
        return table
    if not known or table.get("dim") != getattr(embedder, "dim", None):
        return neighbour_table(embedder, [*known, *new])
    dim = int(table["dim"])
    old_vectors = _unpack(table["vectors"], (len(known), dim))
    new_vectors = embedder.embed_queries(new)
    vectors = np.vstack([old_vectors, new_vectors])
    within = new_vectors @ vectors.T
    within[np.arange(len(new)), len(known) + np.arange(len(new))] = -1.0
    hubness = np.concatenate([_unpack(table["hubness"], (len(known),)), _hubness(within)])
    return {"words": [*known, *new], "dim": dim, "vectors": _pack(vectors), "hubness": _pack(hubness)}


def _hubness(within: np.ndarray) -> np.ndarray:
    """Each word's mean similarity to its closest words (its own column set to -1)."""
    return np.sort(within, axis=1)[:, -HUB_NEIGHBOURS:].mean(axis=1)


def _pack(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=np.float16).tobytes()).decode("ascii")


def _unpack(text: str, shape: tuple[int, ...]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=np.float16).astype(np.float32).reshape(shape)


class NeighbourReader:
    """Maps Mongolian words to the collection's Chinese words by embedding similarity, with the
    vocabulary's vectors from the index (neighbour_table); without them it reads nothing.

    Hubness: some words ("表示", "提供") are close to everything, so each vocabulary word's mean
    similarity to its closest words is subtracted (as in CSLS) before picking a neighbour.
    """

    def __init__(self, embedder: Embedder, table: dict | None) -> None:
        self.embedder = embedder
        table = table or {}
        self.vocabulary: list[str] = list(table.get("words", []))
        self.vectors = self.hubness = None
        if self.vocabulary and table.get("dim") == getattr(embedder, "dim", None):
            self.vectors = _unpack(table["vectors"], (len(self.vocabulary), int(table["dim"])))
            self.hubness = _unpack(table["hubness"], (len(self.vocabulary),))

    def words(self, question: str) -> list[str]:
        """The collection's Chinese words closest to the question's Mongolian content words."""
        words = content_words(question)
        if not words or self.vectors is None:
            return []
        similarity = self.embedder.embed_queries(words) @ self.vectors.T - self.hubness
        best = similarity.argmax(axis=1)
        found = [self.vocabulary[j] for i, j in enumerate(best) if similarity[i, j] >= MIN_SIMILARITY]
        return list(dict.fromkeys(found))
