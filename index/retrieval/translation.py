"""Word-by-word query translation into the collection's own Chinese words.

The embedding model matches Chinese questions against Chinese text far better than English or
Korean ones, so an English or Korean question also gets a Chinese reading: its content words
replaced by the Chinese words of the collection that translate them. English goes through
CC-CEDICT glosses, longest phrase first ("south korea" -> 韩国 before "south" -> 南); Korean through
Sino-Korean readings (대사 -> 大使). Only words the collection uses are candidates, which is what
picks among a word's many dictionary senses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from citebot.index.corpus.text import CJK, script_of
from citebot.index.retrieval import terms

TRANSLATION_VERSION = 1  # bump when the tables change, so that a rebuild makes them again
MAX_PHRASE_WORDS = 3
WORDS_PER_TERM = 2
MIN_READING_CHARS = 2


class QueryTranslator:
    """Built from the collection's vocabulary at index time; its tables are stored with the index."""

    def __init__(self, tables: dict[str, dict[str, list[str]]]) -> None:
        self.by_phrase = {tuple(key.split()): words for key, words in tables.get("phrases", {}).items()}
        self.by_reading = tables.get("readings", {})

    @classmethod
    def from_vocabulary(cls, vocabulary: Iterable[str]) -> QueryTranslator:
        return cls(translation_tables(vocabulary))

    def words(self, question: str) -> list[str]:
        """The collection's Chinese words that translate an English or Korean question's words."""
        script = script_of(question)
        if script == "latin":
            words = self.english(question)
        elif script == "hangul":
            words = self.korean(question)
        else:
            words = []
        return list(dict.fromkeys(words))

    def english(self, question: str) -> list[str]:
        stems, words, start = terms.english_terms(question), [], 0
        while start < len(stems):
            for size in range(min(MAX_PHRASE_WORDS, len(stems) - start), 0, -1):
                candidates = self.by_phrase.get(tuple(stems[start : start + size]))
                if candidates:
                    words += candidates
                    start += size
                    break
            else:
                start += 1
        return words

    def korean(self, question: str) -> list[str]:
        """Each Korean word's longest leading part that reads as a collection word (particles drop off)."""
        words = []
        for token in terms.HANGUL_RUN.findall(question):
            for end in range(len(token), MIN_READING_CHARS - 1, -1):
                if token[:end] in self.by_reading:
                    words += self.by_reading[token[:end]]
                    break
        return words


def translation_tables(vocabulary: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """English phrase -> Chinese words and Sino-Korean reading -> Chinese words, for these words.

    Among words sharing a phrase, a phrase that is a word's first sense beats a later sense,
    then longer words beat shorter ones.
    """
    phrases: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    readings: dict[str, list[str]] = defaultdict(list)
    for word in sorted(set(vocabulary)):
        for sense, phrase in enumerate(terms.gloss_phrases(word)):
            if len(phrase) <= MAX_PHRASE_WORDS:
                phrases[" ".join(phrase)].append((sense, -len(word), word))
        reading = terms.korean_reading(word)
        if len(reading) >= MIN_READING_CHARS and script_of(reading) == "hangul":
            readings[reading].append(word)
    return {
        "phrases": {key: [w for _, _, w in sorted(c)[:WORDS_PER_TERM]] for key, c in phrases.items()},
        "readings": {key: words[:WORDS_PER_TERM] for key, words in readings.items()},
    }


def collection_vocabulary(field_terms: Iterable[dict[str, list[str]]]) -> set[str]:
    """The Chinese words of a collection, from its chunks' lexical terms."""
    return {w for chunk_terms in field_terms for w in chunk_terms.get("zh", ()) if CJK.search(w)}
