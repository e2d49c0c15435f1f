"""Dates as language-neutral terms, so "July 31, 2025", "7월 31일", "7-р сарын 31" and 7 月 31 日 meet.

Each date becomes a year term (y2025), a month term (m7), and terms joining what is written
together (y2025m7, m7d31), so a question naming the month and day prefers the passage with both.
"""

from __future__ import annotations

import re

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

_YEAR = r"(?P<year>(?:1[89]|20)\d\d)"
_DAY = r"(?P<day>[0-3]?\d)"
_DAY_AFTER_MONTH = r"(?P<day_after>[0-3]?\d)"  # "July 31", beside "31 July"
_MONTH_NUMBER = r"(?P<month>1[0-2]|0?[1-9])"
_ENGLISH_MONTH = r"(?P<month_name>" + "|".join(sorted((m.title() for m in MONTHS), key=len, reverse=True)) + r")\.?"

PATTERNS = [
    # 2025 年 7 月 31 日, 2025년 7월 31일, and their parts
    re.compile(rf"(?:{_YEAR}\s*[年년]\s*)?{_MONTH_NUMBER}\s*[月월](?:\s*{_DAY}\s*[日일])?"),
    # 2025 оны 7 дугаар сарын 31, 7-р сарын 31
    re.compile(
        rf"(?:{_YEAR}\s*оны\s*)?{_MONTH_NUMBER}\s*(?:-?р|-?н|дугаар|дүгээр)?\s*сар(?:ын|д)?(?:\s*{_DAY}\b)?",
        re.IGNORECASE,
    ),
    # July 31, 2025 / 31 July 2025 / April 2025; month names capitalised, as dates are written
    re.compile(rf"\b(?:{_DAY}\s+)?{_ENGLISH_MONTH}(?:\s+{_DAY_AFTER_MONTH}\b)?(?:,?\s+{_YEAR})?\b"),
    re.compile(rf"{_YEAR}\s*(?:[年년]|он)"),
    re.compile(rf"\b{_YEAR}\b"),
]


def date_terms(text: str) -> list[str]:
    """Year, month and joined terms of every date written in text (Chinese, Korean, Mongolian, English)."""
    terms: list[str] = []
    taken: list[tuple[int, int]] = []
    for pattern in PATTERNS:
        for match in pattern.finditer(text):
            if any(start <= match.start() < end for start, end in taken):
                continue
            parts = _parts(match)
            if parts:
                taken.append(match.span())
                terms.extend(_terms(*parts))
    return terms


def _parts(match: re.Match) -> tuple[str | None, int | None, int | None] | None:
    groups = match.groupdict()
    month = groups.get("month")
    day = groups.get("day") or groups.get("day_after")
    year = groups.get("year")
    if groups.get("month_name"):
        name = groups["month_name"].lower().rstrip(".")
        if name == "may" and not (day or year):  # "May I ask…"
            return None
        month = MONTHS[name]
    if not (year or month):
        return None
    return year, int(month) if month else None, int(day) if day and 1 <= int(day) <= 31 else None


def _terms(year: str | None, month: int | None, day: int | None) -> list[str]:
    terms = [f"y{year}"] if year else []
    if month:
        terms.append(f"m{month}")
        if year:
            terms.append(f"y{year}m{month}")
        if day:
            terms.append(f"m{month}d{day}")
    return terms
