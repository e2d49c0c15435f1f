"""Script-aware text helpers: sentence splitting, script detection, normalisation."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(
    r"""(?<=[。！？!?；;])(?![。！？!?；;])[”’"」』)）]*\s*"""  # ends that need no space after (?! and ！？ stay whole)
    r"""|(?<=[.…])[”’"」』)）]*\s+(?=[^\s.,;:!?])"""  # a Latin full stop only when followed by space
    r"""|\n+[ \t]*""",  # a line break ends a line of text without punctuation
)

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[A-Za-z]")


def split_sentences(text: str) -> list[str]:
    """Split into sentences, keeping every character so that pieces join back to the text."""
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if end > start and text[start : match.start()].strip():
            pieces.append(text[start:end])
            start = end
    if text[start:].strip():
        pieces.append(text[start:])
    elif pieces:
        pieces[-1] += text[start:]
    return pieces


def script_of(text: str) -> str:
    """The dominant script of a text: 'han', 'hangul', 'cyrillic', 'latin' or 'other'."""
    counts = {
        "han": len(CJK.findall(text)),
        "hangul": len(HANGUL.findall(text)),
        "cyrillic": len(CYRILLIC.findall(text)),
        "latin": len(LATIN.findall(text)),
    }
    best = max(counts, key=lambda script: counts[script])
    return best if counts[best] else "other"


def squash(text: str) -> str:
    """Text with all whitespace removed and curly double quotes straightened."""
    return re.sub(r"\s+", "", text).replace("“", '"').replace("”", '"')
