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


# Longer than the sentences writers end (the test collection's run-on Chinese sentences of 1,500
# characters stay whole), short enough that text marking no ends still makes bounded excerpts.
MAX_SENTENCE_CHARS = 1600
# Where an over-long "sentence" may be cut: after a space or a clause mark.
_CLAUSE_BREAK = re.compile(r"[\s，、；;,:：]+")


def split_sentences(text: str) -> list[str]:
    """Split into sentences, keeping every character so that pieces join back to the text.

    Text without sentence ends (a transcript, a pasted list, a script that marks none) would be
    one sentence however long, and so one excerpt and one direct answer: a piece is cut after a
    space or clause mark every MAX_SENTENCE_CHARS at most, or at that length if there is none."""
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if end > start and text[start : match.start()].strip():
            pieces.extend(_capped(text, start, end))
            start = end
    if text[start:].strip():
        pieces.extend(_capped(text, start, len(text)))
    elif pieces:
        pieces[-1] += text[start:]
    return pieces


def _capped(text: str, start: int, end: int) -> list[str]:
    """text[start:end] in pieces of at most MAX_SENTENCE_CHARS, each holding more than spaces."""
    pieces: list[str] = []
    while end - start > MAX_SENTENCE_CHARS:
        limit = start + MAX_SENTENCE_CHARS
        cut = max(
            (m.end() for m in _CLAUSE_BREAK.finditer(text, start + MAX_SENTENCE_CHARS // 2, limit)), default=limit
        )
        pieces.append(text[start:cut])
        start = cut
    if text[start:end].strip() or not pieces:
        pieces.append(text[start:end])
    else:
        pieces[-1] += text[start:end]
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


def well_formed(text: str) -> str:
    """Text that encodes as UTF-8: a lone surrogate (a byte that was not UTF-8, read with
    surrogateescape, or a "\\ud800" in JSON) becomes "?" instead of failing in the model."""
    return text.encode("utf-8", "replace").decode("utf-8")
