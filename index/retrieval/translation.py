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
    phrases, readings = _candidates(vocabulary)
    return {
        "phrases": {key: _best(found) for key, found in phrases.items()},
        "readings": {key: words[:WORDS_PER_TERM] for key, words in readings.items()},
    }


def extended_tables(tables: dict, words: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """The tables of a vocabulary with `words` added (an appended document's): the same as
    translation_tables over the union, made by ranking each touched entry's words again."""
    new_phrases, new_readings = _candidates(words)
    phrases: dict[str, list[str]] = dict(tables.get("phrases", {}))
    for key, found in new_phrases.items():
        earlier = [entry for word in phrases.get(key, []) for entry in _phrase_entries(word, key)]
        phrases[key] = _best(earlier + found)
    readings: dict[str, list[str]] = dict(tables.get("readings", {}))
    for key, read_as in new_readings.items():
        readings[key] = sorted({*readings.get(key, []), *read_as})[:WORDS_PER_TERM]
    return {"phrases": phrases, "readings": readings}


Candidate = tuple[int, int, str]  # (sense, -length, word): the best first


def _candidates(vocabulary: Iterable[str]) -> tuple[dict[str, list[Candidate]], dict[str, list[str]]]:
    phrases: dict[str, list[Candidate]] = defaultdict(list)
    readings: dict[str, list[str]] = defaultdict(list)
    for word in sorted(set(vocabulary)):
        for sense, phrase in enumerate(terms.gloss_phrases(word)):
            if len(phrase) <= MAX_PHRASE_WORDS:
                phrases[" ".join(phrase)].append((sense, -len(word), word))
        reading = terms.korean_reading(word)
        if len(reading) >= MIN_READING_CHARS and script_of(reading) == "hangul":
            readings[reading].append(word)
    return phrases, readings


def _phrase_entries(word: str, key: str) -> list[Candidate]:
    return [
        (sense, -len(word), word)
        for sense, phrase in enumerate(terms.gloss_phrases(word))
        if len(phrase) <= MAX_PHRASE_WORDS and " ".join(phrase) == key
    ]


def _best(found: list[Candidate]) -> list[str]:
    return [word for _, _, word in sorted(set(found))[:WORDS_PER_TERM]]


def collection_vocabulary(field_terms: Iterable[dict[str, list[str]]]) -> set[str]:
    """The Chinese words of a collection, from its chunks' lexical terms."""
    return {w for chunk_terms in field_terms for w in chunk_terms.get("zh", ()) if CJK.search(w)}
