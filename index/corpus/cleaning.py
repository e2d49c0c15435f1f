"""Turn a scraped article page into clean Markdown: article text and section headings only."""

from __future__ import annotations

import re

_CHROME_LINE = re.compile(
    r"""^(
        \d{4}\s*оны\s*\d{1,2}-р\s*сарын\s*\d{1,2}      # Mongolian dates: 2025 оны 11-р сарын 20
      | \d{4}[-./年]\d{1,2}[-./月]\d{1,2}日?           # ISO-ish and Chinese dates
      | Нийтлэлч                                        # "columnist" byline label
      | .*(бичихийг\s+хүсье|уншигчид\s+шууд\s+харна).*    # the comment box's request to readers
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_COMMENTS = re.compile(r"сэтгэгд|comment|评论|댓글", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[。！？!?.…”」)）]$")
_FULL_STOP = re.compile(r"[。！？!?.…]$")
MAX_HEADING_CHARS = 30
MAX_PROMPT_CHARS = 40


def is_chrome(line: str) -> bool:
    """Page furniture: dates, bylines, and comment prompts ("Comments (3)", "发表评论"), which are
    short and do not end like a sentence: an article's sentence may well mention comments."""
    text = line.strip()
    prompt = len(text) <= MAX_PROMPT_CHARS and _COMMENTS.search(text) and not _FULL_STOP.search(text)
    return bool(_CHROME_LINE.match(text) or prompt)


def is_heading(line: str) -> bool:
    """A short line that does not end like a sentence is a section heading."""
    text = line.strip()
    return 0 < len(text) <= MAX_HEADING_CHARS and not _SENTENCE_END.search(text)


def article_lines(raw: str) -> list[str]:
    """The article's lines: page chrome removed, leading and trailing chrome blocks dropped."""
    lines = [line.strip() for line in raw.splitlines()]
    return [line for line in lines if line and not is_chrome(line)]


def to_markdown(raw: str) -> str:
    """Markdown body: `## ` before headings, a blank line between paragraphs."""
    blocks = [f"## {line}" if is_heading(line) else line for line in article_lines(raw)]
    return "\n\n".join(blocks) + "\n"
