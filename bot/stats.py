"""How the bot is doing, for /stats and `citebot stats`: pure summaries of the question log."""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from citebot.bot.formatting import Block, Span, pack

from .i18n import Translator

PERIODS = (timedelta(hours=24), timedelta(days=7))
TOP_UNANSWERED = 5
_PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class QuestionRow:
    asked_at: datetime
    user_id: int | None
    answered: bool
    latency_ms: int
    question: str


@dataclass(frozen=True)
class VoteRow:
    voted_at: datetime
    vote: int


@dataclass(frozen=True)
class PeriodStats:
    hours: int
    questions: int
    users: int
    answered: int
    median_ms: int
    p95_ms: int
    up: int
    down: int

    @property
    def answered_share(self) -> float:
        return self.answered / self.questions if self.questions else 0.0


@dataclass(frozen=True)
class Stats:
    periods: tuple[PeriodStats, ...]
    unanswered: tuple[tuple[str, int], ...]


def percentile(sorted_values: Sequence[int], share: float) -> int:
    """Nearest-rank percentile of values already sorted ascending (0 for none)."""
    if not sorted_values:
        return 0
    return sorted_values[max(0, math.ceil(share * len(sorted_values)) - 1)]


def question_key(question: str) -> str:
    """Questions that differ only in case, spacing or punctuation count as the same question."""
    return _PUNCTUATION.sub(" ", question.casefold()).strip()


def period_stats(
    period: timedelta, rows: Iterable[QuestionRow], votes: Iterable[VoteRow], now: datetime
) -> PeriodStats:
    since = now - period
    recent = [r for r in rows if r.asked_at >= since]
    latencies = sorted(r.latency_ms for r in recent)
    recent_votes = [v.vote for v in votes if v.voted_at >= since]
    return PeriodStats(
        hours=int(period.total_seconds() // 3600),
        questions=len(recent),
        users=len({r.user_id for r in recent if r.user_id is not None}),
        answered=sum(r.answered for r in recent),
        median_ms=int(statistics.median(latencies)) if latencies else 0,
        p95_ms=percentile(latencies, 0.95),
        up=recent_votes.count(1),
        down=recent_votes.count(-1),
    )


def most_unanswered(rows: Iterable[QuestionRow], top: int = TOP_UNANSWERED) -> tuple[tuple[str, int], ...]:
    """The questions the documents could not answer, most frequent first (newest wording shown)."""
    counts: Counter[str] = Counter()
    wording: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: r.asked_at):
        if not row.answered and (key := question_key(row.question)):
            counts[key] += 1
            wording[key] = row.question
    return tuple((wording[key], count) for key, count in counts.most_common(top))


def summarize(rows: Sequence[QuestionRow], votes: Sequence[VoteRow], now: datetime) -> Stats:
    longest = now - max(PERIODS)
    return Stats(
        periods=tuple(period_stats(p, rows, votes, now) for p in PERIODS),
        unanswered=most_unanswered(r for r in rows if r.asked_at >= longest),
    )


def period_title(t: Translator, hours: int) -> str:
    if hours % 24 == 0 and hours > 24:
        days = hours // 24
        return t.ngettext("Last %(n)s day", "Last %(n)s days", days) % dict(n=days)
    return t.ngettext("Last %(n)s hour", "Last %(n)s hours", hours) % dict(n=hours)


def period_block(t: Translator, period: PeriodStats) -> Block:
    lines = [
        t.ngettext("%(n)s question", "%(n)s questions", period.questions) % dict(n=period.questions)
        + ", "
        + t.ngettext("%(n)s user", "%(n)s users", period.users) % dict(n=period.users),
        t.gettext("answered: %(share)s") % dict(share=f"{period.answered_share:.0%}"),
        t.gettext("latency: median %(median)s ms, p95 %(p95)s ms") % dict(median=period.median_ms, p95=period.p95_ms),
        t.gettext("votes: 👍 %(up)s, 👎 %(down)s") % dict(up=period.up, down=period.down),
    ]
    return (Span(period_title(t, period.hours), ("b",)), *(Span(f"\n{line}") for line in lines))


def stats_blocks(t: Translator, stats: Stats) -> list[Block]:
    blocks: list[Block] = [(Span(t.gettext("Statistics"), ("b",)),)]
    blocks += [period_block(t, period) for period in stats.periods]
    heading = Span(t.gettext("Most frequent questions the documents could not answer (7 days)"), ("b",))
    if not stats.unanswered:
        blocks.append((heading, Span("\n" + t.gettext("None."))))
    else:
        lines = tuple(Span(f"\n{count} × {question}") for question, count in stats.unanswered)
        blocks.append((heading, *lines))
    return blocks


def stats_messages(t: Translator, stats: Stats) -> list[str]:
    """The summary as Telegram HTML messages."""
    return pack(stats_blocks(t, stats))


def stats_plain_text(t: Translator, stats: Stats) -> str:
    """The same summary for a terminal."""
    return "\n\n".join("".join(span.text for span in block) for block in stats_blocks(t, stats))
