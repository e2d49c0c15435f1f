"""Named places across languages, from the Unicode CLDR data that Babel ships (places.tsv, made by
tools/places_table.py).

Country and city names in Chinese, English, Mongolian and Korean map to one id each, so a
Mongolian question naming "Хойд Солонгос" can match Chinese text naming 朝鲜.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

LANGUAGES = ("zh", "en", "mn", "ko")
MIN_NAME_CHARS = {"zh": 2, "en": 4, "mn": 4, "ko": 2}
PLACES = "places.tsv"


@lru_cache(maxsize=1)
def lexicon() -> dict[str, dict[str, str]]:
    """For each language, a map from a place name (lower case) to its id; the first id a name has wins."""
    names: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    text = resources.files(__package__).joinpath(PLACES).read_text(encoding="utf-8")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            lang, name, entity = line.split("\t")
            if lang in names and len(name) >= MIN_NAME_CHARS[lang]:
                names[lang].setdefault(name.lower(), entity)
    return names


@lru_cache(maxsize=4)
def _pattern(lang: str) -> re.Pattern:
    names = sorted(lexicon()[lang], key=len, reverse=True)
    body = "|".join(re.escape(n) for n in names)
    # Latin names must stand as words; in other scripts suffixes and particles attach directly.
    return re.compile(rf"\b(?:{body})\b" if lang == "en" else f"(?:{body})")


def find(text: str, languages: tuple[str, ...] = LANGUAGES) -> list[str]:
    """Entity ids named in text, longest names first, in any of the given languages."""
    found: list[str] = []
    lowered = text.lower()
    for lang in languages:
        if _initials(lang).isdisjoint(lowered):  # no name can start here: skip compiling its pattern
            continue
        found.extend(lexicon()[lang][m.group(0)] for m in _pattern(lang).finditer(lowered))
    return found


@lru_cache(maxsize=4)
def _initials(lang: str) -> frozenset[str]:
    """The first letters of a language's place names."""
    return frozenset(name[0] for name in lexicon()[lang])
