"""Phonetic keys for names, so "Amarbayasgalan", "Амарбаясгалан" and 阿玛尔巴亚斯嘎兰 meet.

Foreign names in Chinese text are sound transcriptions. Each is spelled out in Latin letters (pinyin,
and the Korean reading romanised, for Korean names written in hanja), and reduced to a consonant
skeleton with similar sounds merged; a question's capitalised words (Latin or Cyrillic) and long
hangul words get the same treatment. The keys are character trigrams of the skeleton.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from citebot.index.retrieval import mongolian
from citebot.index.retrieval.korean import romanize
from citebot.index.retrieval.korean_grammar import content_words
from citebot.index.retrieval.segmenter import tagger

NAME_TAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nz"})
JOINER_CHARS = "・·•-‐ "
JOINERS = frozenset(JOINER_CHARS)
MIN_SKELETON = 3

CYRILLIC_TO_LATIN = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "ye",
    "ё": "yo",
    "ж": "j",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "ө": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ү": "u",
    "ф": "f",
    "х": "h",  # Chinese transcribes it with h (呼日勒苏赫), Korean names with ㅎ: both drop out of skeletons
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "sh",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
}
DIGRAPHS = (
    ("kh", "h"),  # Khurelsukh, Erkhembayar: 呼日勒苏赫, 额尔亨巴亚尔
    ("zh", "j"),
    ("ch", "j"),
    ("sh", "s"),
    ("ts", "j"),
    ("ph", "p"),
    ("th", "t"),
    ("ng", "n"),
    ("ck", "k"),
)
MERGED = str.maketrans(
    {"b": "p", "d": "t", "g": "k", "q": "j", "c": "j", "z": "j", "x": "s", "r": "l", "f": "p", "v": "p"}
)
QUESTION_WORDS = frozenset(
    "what who whom whose when where why how which did does do is are was were can could should would "
    "will has have had in on at of the a an to for from by with and or according".split()
)
_LATIN_NAME = re.compile(r"\b[A-Z][a-z]+(?:[-'][A-Za-z]+)*(?:\s+[A-Z][a-z]+(?:[-'][A-Za-z]+)*)*")
_CYRILLIC_NAME = re.compile(r"(?:[А-ЯЁӨҮ]\.\s*)?[А-ЯЁӨҮ][а-яёөү]+(?:[-\s]+[А-ЯЁӨҮ][а-яёөү]+)*")
MIN_HANGUL_NAME = 3  # syllables


def skeleton(latin: str) -> str:
    """Consonants only, with sounds that transcriptions confuse merged."""
    text = re.sub(r"[^a-z]", "", latin.lower())
    for digraph, single in DIGRAPHS:
        text = text.replace(digraph, single)
    text = text.translate(MERGED)
    return re.sub(r"[aeiouywh]", "", text)


def keys(latin: str) -> list[str]:
    bones = skeleton(latin)
    if len(bones) < MIN_SKELETON:
        return []
    return [f"nm:{bones[i : i + 3]}" for i in range(len(bones) - 2)]


def chinese_names(text: str) -> list[str]:
    """Runs of words jieba tags as person or place names, joiners such as ・ included."""
    runs, current = [], ""
    for word, tag in [*tagger().cut(text), ("", "end")]:
        if tag in NAME_TAGS or (current and word in JOINERS):
            current += word
            continue
        if current.strip(JOINER_CHARS):
            runs.append(current)
        current = ""
    return runs


def spellings(name: str) -> list[str]:
    """Latin spellings of a Chinese-script name: Mandarin pinyin and the Sino-Korean reading."""
    from pypinyin import lazy_pinyin

    from citebot.index.retrieval.terms import korean_reading

    hanzi = re.sub(r"[^\u3400-\u9fff]", "", name)
    spelled = ["".join(lazy_pinyin(hanzi))]
    hangul = korean_reading(hanzi)
    if hangul != hanzi:
        spelled.append(romanize_hangul(hangul))
    return spelled


def romanize_hangul(text: str) -> str:
    return romanize(text)


def passage_keys(text: str) -> list[str]:
    return [key for name in chinese_names(text) for spelled in spellings(name) for key in keys(spelled)]


def question_keys(question: str, hangul_words: list[str] | None = None) -> list[str]:
    return [key for name in question_names(question, hangul_words) for key in name.keys]


@dataclass(frozen=True)
class QuestionName:
    keys: list[str]
    text: str
    start: int  # where in the question the name begins
    words: int
    capitalised: bool  # written with a capital (Latin, Cyrillic), not just a long hangul word


def question_names(question: str, hangul_words: list[str] | None = None) -> list[QuestionName]:
    """Each name-like word run of a question with its keys: capitalised Latin or Cyrillic words, and
    long hangul words without their particles and endings (`hangul_words`, by default the question's
    content words as korean_grammar.py finds them: 이재명은 -> 이재명)."""
    found: list[QuestionName] = []
    for match in _LATIN_NAME.finditer(question):
        words = [w for w in match.group(0).split() if w.lower() not in QUESTION_WORDS]
        if words:
            found.append(QuestionName(keys(" ".join(words)), " ".join(words), match.start(), len(words), True))
    for match in _CYRILLIC_NAME.finditer(question):
        stems = " ".join(mongolian.stem(word) for word in match.group(0).split())  # "Пхеньянтай" -> "пхеньян"
        latin = "".join(CYRILLIC_TO_LATIN.get(ch, ch) for ch in stems)
        found.append(
            QuestionName(
                keys(re.sub(r"^[a-z]+\.\s*", "", latin)),
                match.group(0),
                match.start(),
                len(match.group(0).split()),
                True,
            )
        )
    for word in content_words(question) if hangul_words is None else hangul_words:
        if len(word) >= MIN_HANGUL_NAME:
            found.append(QuestionName(keys(romanize_hangul(word)), word, question.find(word), 1, False))
    return [name for name in found if name.keys]
