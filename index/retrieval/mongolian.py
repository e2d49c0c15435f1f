"""Mongolian (Cyrillic) questions: case suffixes, number and month words.

Mongolian glues case endings, plurals and the reflexive possessive onto its words ("Пхеньянд",
"Амарбаясгалангийн", "элчин сайдаа"), so a name or word is matched by its stem. Number words
("таван мянга", "гуравдугаар сар") become digits, so that dates and numbers meet the collection's
year, month and number terms (dates.py).
"""

from __future__ import annotations

import re

# Endings, longest first within each layer; a word loses at most one of each layer, outermost first.
# Single-letter endings (-д, -т, -н, -г) are left on: "сайд" and "Пхеньян" end in them too.
REFLEXIVE = ("ынхаа", "ийнхээ", "гаа", "гээ", "гоо", "гөө", "аа", "ээ", "оо", "өө")
CASES = (
    "гийн",
    "гаас",
    "гээс",
    "гоос",
    "гөөс",
    "гаар",
    "гээр",
    "гоор",
    "гөөр",
    "ийн",
    "ын",
    "аас",
    "ээс",
    "оос",
    "өөс",
    "аар",
    "ээр",
    "оор",
    "өөр",
    "тай",
    "тэй",
    "той",
    "руу",
    "рүү",
    "луу",
    "лүү",
    "ийг",
    "ыг",
    "ад",
    "эд",
    "од",
    "өд",
)
PLURALS = ("нууд", "нүүд", "чууд", "чүүд", "ууд", "үүд", "нар")
MIN_STEM = 3
_VOWELS = set("аэиоуөүыяеёю")

UNITS = {
    "нэг": 1,
    "нэгэн": 1,
    "хоёр": 2,
    "гурав": 3,
    "гурван": 3,
    "дөрөв": 4,
    "дөрвөн": 4,
    "тав": 5,
    "таван": 5,
    "зургаа": 6,
    "зургаан": 6,
    "долоо": 7,
    "долоон": 7,
    "найм": 8,
    "найман": 8,
    "ес": 9,
    "есөн": 9,
}
TENS = {
    "арав": 10,
    "арван": 10,
    "хорь": 20,
    "хорин": 20,
    "гуч": 30,
    "гучин": 30,
    "дөч": 40,
    "дөчин": 40,
    "тавь": 50,
    "тавин": 50,
    "жар": 60,
    "жаран": 60,
    "дал": 70,
    "далан": 70,
    "ная": 80,
    "наян": 80,
    "ер": 90,
    "ерэн": 90,
}
SCALES = {"зуу": 100, "зуун": 100, "мянга": 1000, "мянган": 1000, "сая": 10**6, "тэрбум": 10**9}
ORDINAL = re.compile(r"(?:дугаар|дүгээр|дахь|дэх|дох|дөх)$")
WORD = re.compile(r"[а-яёөү]+", re.IGNORECASE)  # a Mongolian Cyrillic word


def stem(word: str) -> str:
    """The word without its plural, case and reflexive endings (never shorter than MIN_STEM letters)."""
    word = word.lower()
    for layer in (REFLEXIVE, CASES, PLURALS):
        for ending in layer:
            rest = word[: -len(ending)]
            if word.endswith(ending) and len(rest) >= MIN_STEM and _has_vowel(rest):
                word = rest
                break
    return word


def _has_vowel(text: str) -> bool:
    return any(ch in _VOWELS for ch in text)


def number_value(word: str) -> int | None:
    """The value of one number word, cardinal or ordinal ("гуравдугаар" -> 3), else None."""
    word = ORDINAL.sub("", word.lower())
    for table in (UNITS, TENS, SCALES):
        if word in table:
            return table[word]
    return None


def numbers_as_digits(text: str) -> str:
    """Text with each run of Mongolian number words written in digits ("таван мянга" -> "5000",
    "гуравдугаар сар" -> "3 сар")."""
    out: list[str] = []
    run: list[tuple[int, bool]] = []
    last = run_start = run_end = 0
    for match in WORD.finditer(text):
        value = number_value(match.group(0))
        gap = text[run_end : match.start()]
        if value is not None and (not run or not gap.strip()):
            if not run:
                run_start = match.start()
            run.append((value, bool(ORDINAL.search(match.group(0).lower()))))
            run_end = match.end()
            continue
        if run:
            out.append(text[last:run_start] + _spelled(run))
            last, run = run_end, []
        if value is not None:
            run_start, run_end = match.start(), match.end()
            run = [(value, bool(ORDINAL.search(match.group(0).lower())))]
    if run:
        out.append(text[last:run_start] + _spelled(run))
        last = run_end
    out.append(text[last:])
    return "".join(out)


def _spelled(run: list[tuple[int, bool]]) -> str:
    total, current = 0, 0
    for value, _ in run:
        if value >= 100:
            current = max(current, 1) * value
            if value >= 1000:
                total, current = total + current, 0
        else:
            current += value
    return str(total + current)
