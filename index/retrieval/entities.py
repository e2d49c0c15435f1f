"""Named places across languages, from the Unicode CLDR data that Babel ships.

Country and city names in Chinese, English, Mongolian and Korean map to one id each, so a
Mongolian question naming "Хойд Солонгос" can match Chinese text naming 朝鲜.
"""

from __future__ import annotations

import re
from functools import lru_cache

LANGUAGES = ("zh", "en", "mn", "ko")
MIN_NAME_CHARS = {"zh": 2, "en": 4, "mn": 4, "ko": 2}


@lru_cache(maxsize=1)
def lexicon() -> dict[str, dict[str, str]]:
    """For each language, a map from a place name (lower case) to its id."""
    from babel import Locale
    from babel.core import get_global

    locales = {lang: Locale.parse(lang) for lang in LANGUAGES}
    names: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    for code in locales["en"].territories:
        if isinstance(code, str) and len(code) == 2 and code.isalpha():
            for lang, locale in locales.items():
                _add(names[lang], lang, locale.territories.get(code), f"ent:{code}")
    for zone in get_global("zone_territories"):
        for lang, locale in locales.items():
            city = locale.time_zones.get(zone, {}).get("city")
            if lang == "en" and not city:
                city = zone.rsplit("/", 1)[-1].replace("_", " ")
            _add(names[lang], lang, city, f"ent:{zone}")
    return names


def _add(table: dict[str, str], lang: str, name: str | None, entity: str) -> None:
    if name and len(name) >= MIN_NAME_CHARS[lang]:
        table.setdefault(name.lower(), entity)


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
        found.extend(lexicon()[lang][m.group(0)] for m in _pattern(lang).finditer(lowered))
    return found
