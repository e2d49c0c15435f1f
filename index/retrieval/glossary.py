"""A Chinese reading of Mongolian and Korean questions through core glossaries into English.

No Mongolian-English or Mongolian-Chinese dictionary ships on PyPI or Debian, and Korean's native
words (붙잡다, 돌려보내다) have no Sino-Korean reading to lead to Chinese (korean.py). So citebot
carries short glossaries of its own: `mongolian_glossary.tsv` (the vocabulary of news on politics,
diplomacy, security, the economy and culture) and `korean_glossary.tsv` (native Korean words of
news questions). A question's words meet their stems, longest first and up to three words
("элчин сайдын яам" before "элчин сайд" before "элчин"), and the English glosses go through
CC-CEDICT to the collection's own Chinese words, as an English question's do (translation.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from citebot.index.corpus.text import script_of
from citebot.index.retrieval import mongolian
from citebot.index.retrieval.neighbours import STOPWORDS as MONGOLIAN_STOPWORDS
from citebot.index.retrieval.translation import QueryTranslator

MAX_KEY_WORDS = 3


@dataclass(frozen=True)
class Language:
    table: str  # the glossary file
    word: re.Pattern[str]
    min_stem_chars: int  # shorter beginnings of a word are too ambiguous to match
    stopwords: frozenset[str] = frozenset()


LANGUAGES = {
    "cyrillic": Language("mongolian_glossary.tsv", mongolian.WORD, 3, MONGOLIAN_STOPWORDS),
    "hangul": Language("korean_glossary.tsv", re.compile(r"[\uac00-\ud7a3]+"), 2),
}


@lru_cache(maxsize=len(LANGUAGES))
def glossary(script: str = "cyrillic") -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Stems (matched as word beginnings) and whole words (written with a trailing "="), to glosses."""
    stems: dict[str, list[str]] = {}
    whole: dict[str, list[str]] = {}
    text = resources.files("citebot.index.retrieval").joinpath(LANGUAGES[script].table).read_text("utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        key, glosses = line.split("\t", 1)
        # a stem shorter than the shortest beginning matched can only be matched whole
        table = whole if key.endswith("=") or len(key) < LANGUAGES[script].min_stem_chars else stems
        table.setdefault(key.rstrip("=").lower(), []).extend(g.strip() for g in glosses.split(";") if g.strip())
    return stems, whole


def glosses(question: str) -> list[str]:
    """English glosses of a Mongolian or Korean question's words, longest glossary entry first."""
    script = script_of(question)
    language = LANGUAGES.get(script)
    if language is None:
        return []
    words = [w.lower() for w in language.word.findall(question)]
    found: list[str] = []
    start = 0
    while start < len(words):
        for size in range(min(MAX_KEY_WORDS, len(words) - start), 0, -1):
            meaning = _lookup(script, words[start : start + size])
            if meaning:
                found += meaning
                start += size
                break
        else:
            start += 1
    return list(dict.fromkeys(found))


def knows(word: str, script: str) -> bool:
    """Whether word is a stem or whole word of the script's glossary."""
    stems, whole = glossary(script)
    return word.lower() in stems or word.lower() in whole


def _lookup(script: str, span: list[str]) -> list[str]:
    """The glosses of the longest entry whose words are span's, the last one's beginning allowed."""
    stems, whole = glossary(script)
    language = LANGUAGES[script]
    if len(span) == 1 and span[0] in language.stopwords:
        return []
    head, last = span[:-1], span[-1]
    if " ".join(span) in whole:
        return whole[" ".join(span)]
    for end in range(len(last), language.min_stem_chars - 1, -1):
        key = " ".join([*head, last[:end]])
        if key in stems:
            return stems[key]
    return []


def chinese_words(question: str, translator: QueryTranslator) -> list[str]:
    """The collection's Chinese words for a question's glossary words."""
    words: list[str] = []
    for gloss in glosses(question):
        words += translator.english(gloss)
    return list(dict.fromkeys(words))
