"""What the buttons need to outlive a restart, in the question log's SQLite database.

Answers that carry buttons (so "More" can continue them), votes on them, and admin actions
waiting for a confirmation button. Tables are created by the migrations in bot/store.py.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiosqlite

from .stats import PERIODS, QuestionRow, Stats, VoteRow, summarize
from .store import QuestionLog

KEPT_ANSWERS = 50_000
PENDING_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class AnswerRecord:
    id: int
    chat_id: int
    question: str
    doc: str | None
    context: str | None
    shown: tuple[str, ...]


@dataclass(frozen=True)
class PendingAction:
    id: int
    user_id: int
    kind: str
    payload: dict


def now_text(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds")


class Interactions:
    """Reads and writes the chat-UX tables through the question log's open connection."""

    def __init__(self, log: QuestionLog) -> None:
        self.log = log

    @property
    def db(self) -> aiosqlite.Connection:
        return self.log.db

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write on the shared connection, committed, or rolled back if it fails: a write that
        gave up on a lock must not leave a transaction open, whose snapshot every later read on
        this connection would see."""
        try:
            yield self.db
            await self.db.commit()
        except BaseException:
            with contextlib.suppress(Exception):
                await self.db.rollback()
            raise

    async def new_answer(
        self,
        *,
        chat_id: int,
        user_id: int | None,
        question: str,
        doc: str | None,
        context: str | None,
        shown: Sequence[str],
    ) -> int:
        async with self.writing() as db:
            cursor = await db.execute(
                "INSERT INTO answers (created_at, chat_id, user_id, question, doc, context, shown)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (now_text(), chat_id, user_id, question, doc, context, json.dumps(list(shown), ensure_ascii=False)),
            )
            answer_id = int(cursor.lastrowid or 0)
            await db.execute("DELETE FROM answers WHERE id <= ?", (answer_id - KEPT_ANSWERS,))
        return answer_id

    async def answer(self, answer_id: int) -> AnswerRecord | None:
        async with self.db.execute(
            "SELECT id, chat_id, question, doc, context, shown FROM answers WHERE id = ?", (answer_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return AnswerRecord(int(row[0]), int(row[1]), row[2], row[3], row[4], tuple(json.loads(row[5])))

    async def add_shown(self, answer_id: int, citations: Sequence[str]) -> None:
        record = await self.answer(answer_id)
        if record is None:
            return
        shown = [*record.shown, *citations]
        async with self.writing() as db:
            await db.execute(
                "UPDATE answers SET shown = ? WHERE id = ?", (json.dumps(shown, ensure_ascii=False), answer_id)
            )

    async def vote(self, answer_id: int, user_id: int, vote: int) -> int | None:
        """Records the user's vote on an answer and returns their previous vote, if any."""
        async with self.db.execute(
            "SELECT vote FROM votes WHERE answer_id = ? AND user_id = ?", (answer_id, user_id)
        ) as cursor:
            row = await cursor.fetchone()
        async with self.writing() as db:
            await db.execute(
                "INSERT INTO votes (answer_id, user_id, vote, voted_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (answer_id, user_id) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at",
                (answer_id, user_id, vote, now_text()),
            )
        return int(row[0]) if row else None

    async def add_pending(self, user_id: int, kind: str, payload: dict) -> int:
        async with self.writing() as db:
            await db.execute(
                "DELETE FROM pending_actions WHERE created_at < ?",
                (now_text(datetime.now(UTC) - PENDING_LIFETIME),),
            )
            cursor = await db.execute(
                "INSERT INTO pending_actions (created_at, user_id, kind, payload) VALUES (?, ?, ?, ?)",
                (now_text(), user_id, kind, json.dumps(payload, ensure_ascii=False)),
            )
        return int(cursor.lastrowid or 0)

    async def pending(self, action_id: int) -> PendingAction | None:
        """A confirmation still waiting (and not expired)."""
        async with self.db.execute(
            "SELECT id, user_id, kind, payload FROM pending_actions WHERE id = ? AND created_at >= ?",
            (action_id, now_text(datetime.now(UTC) - PENDING_LIFETIME)),
        ) as cursor:
            row = await cursor.fetchone()
        return PendingAction(int(row[0]), int(row[1]), row[2], json.loads(row[3])) if row else None

    async def drop_pending(self, action_id: int) -> bool:
        """Removes a pending action; False if it was already gone (a second press of the same button)."""
        async with self.writing() as db:
            cursor = await db.execute("DELETE FROM pending_actions WHERE id = ?", (action_id,))
        return cursor.rowcount > 0

    async def questions_since(self, since: datetime) -> list[QuestionRow]:
        async with self.db.execute(
            "SELECT asked_at, user_id, answered, latency_ms, question FROM questions WHERE asked_at >= ?",
            (now_text(since),),
        ) as cursor:
            rows = await cursor.fetchall()
        return [QuestionRow(datetime.fromisoformat(a), u, bool(ok), int(ms), q) for a, u, ok, ms, q in rows]

    async def votes_since(self, since: datetime) -> list[VoteRow]:
        async with self.db.execute(
            "SELECT voted_at, vote FROM votes WHERE voted_at >= ?", (now_text(since),)
        ) as cursor:
            rows = await cursor.fetchall()
        return [VoteRow(datetime.fromisoformat(at), int(vote)) for at, vote in rows]

    async def stats(self, now: datetime | None = None) -> Stats:
        """The /stats summary of the last 24 hours and 7 days."""
        moment = now or datetime.now(UTC)
        since = moment - max(PERIODS)
        return summarize(await self.questions_since(since), await self.votes_since(since), moment)
