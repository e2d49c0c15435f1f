"""A Chinese reading of Mongolian questions through a core Mongolian-English glossary.

No Mongolian-English or Mongolian-Chinese dictionary ships on PyPI or Debian, so citebot carries a
short one of its own (mongolian_glossary.tsv: the vocabulary of news on politics, diplomacy,
security, the economy and culture). A question's words meet its stems, longest first and up to
three words ("элчин сайдын яам" before "элчин сайд" before "элчин"), and their English glosses go
through CC-CEDICT to the collection's own Chinese words, as an English question's do
(translation.py). The embedding model's word neighbours (neighbours.py) cover what it lacks.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from citebot.index.retrieval.neighbours import STOPWORDS
from citebot.index.retrieval.translation import QueryTranslator

MAX_KEY_WORDS = 3
MIN_STEM_CHARS = 3
_WORD = re.compile(r"[а-яёөү]+", re.IGNORECASE)


@lru_cache(maxsize=1)
def glossary() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Stems (matched as word beginnings) and whole words (written with a trailing "="), to glosses."""
    stems: dict[str, list[str]] = {}
    whole: dict[str, list[str]] = {}
    text = resources.files("citebot.index.retrieval").joinpath("mongolian_glossary.tsv").read_text("utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        key, glosses = line.split("\t", 1)
        table = whole if key.endswith("=") else stems
        table.setdefault(key.rstrip("=").lower(), []).extend(g.strip() for g in glosses.split(";") if g.strip())
    return stems, whole


def glosses(question: str) -> list[str]:
    """English glosses of a Cyrillic question's words, longest glossary entry first."""
    words = [w.lower() for w in _WORD.findall(question)]
    found: list[str] = []
    start = 0
    while start < len(words):
        for size in range(min(MAX_KEY_WORDS, len(words) - start), 0, -1):
            meaning = _lookup(words[start : start + size])
            if meaning:
                found += meaning
                start += size
                break
        else:
            start += 1
    return list(dict.fromkeys(found))


def _lookup(span: list[str]) -> list[str]:
    """The glosses of the longest entry whose words are span's, the last one's beginning allowed."""
    stems, whole = glossary()
    if len(span) == 1 and span[0] in STOPWORDS:
        return []
    head, last = span[:-1], span[-1]
    if " ".join(span) in whole:
        return whole[" ".join(span)]
    for end in range(len(last), MIN_STEM_CHARS - 1, -1):
        key = " ".join([*head, last[:end]])
        if key in stems:
            return stems[key]
    return []


def chinese_words(question: str, translator: QueryTranslator) -> list[str]:
    """The collection's Chinese words for a Mongolian question's glossary words."""
    words: list[str] = []
    for gloss in glosses(question):
        words += translator.english(gloss)
    return list(dict.fromkeys(words))
