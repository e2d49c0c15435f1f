"""The question log: every question the bot answered or declined, in SQLite."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import aiosqlite

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE questions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        asked_at TEXT NOT NULL,
        chat_type TEXT NOT NULL,
        user_language TEXT,
        question TEXT NOT NULL,
        latency_ms INTEGER NOT NULL,
        answered INTEGER NOT NULL CHECK (answered IN (0, 1)),
        cited_chunk_ids TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX questions_asked_at ON questions (asked_at);
    """,
    # Chunk ids are only meaningful within one index generation; doc#paragraph survives a rebuild.
    "ALTER TABLE questions ADD COLUMN citations TEXT NOT NULL DEFAULT '[]';",
    # Which question each of the bot's answer messages answered, so that replies to it are
    # read as follow-ups, across restarts too.
    """
    CREATE TABLE answer_messages (
        chat_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        question TEXT NOT NULL,
        PRIMARY KEY (chat_id, message_id)
    );
    """,
    # Readers' own settings: the language chosen with /lang (NULL: Telegram's language_code), and
    # the one-time notices each reader has been shown.
    """
    CREATE TABLE reader_languages (
        user_id INTEGER PRIMARY KEY,
        locale TEXT NOT NULL,
        chosen_at TEXT NOT NULL
    );
    CREATE TABLE reader_notices (
        user_id INTEGER NOT NULL,
        notice TEXT NOT NULL,
        shown_at TEXT NOT NULL,
        PRIMARY KEY (user_id, notice)
    );
    """,
    # Chat UX (bot/interactions.py): who asked (distinct users in /stats), answers that carry
    # buttons, votes on them, and admin actions waiting for a confirmation button.
    """
    ALTER TABLE questions ADD COLUMN user_id INTEGER;
    CREATE TABLE answers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        chat_id INTEGER NOT NULL,
        user_id INTEGER,
        question TEXT NOT NULL,
        doc TEXT,
        context TEXT,
        shown TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE votes (
        answer_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
        voted_at TEXT NOT NULL,
        PRIMARY KEY (answer_id, user_id)
    );
    CREATE INDEX votes_voted_at ON votes (voted_at);
    CREATE TABLE pending_actions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        user_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL
    );
    """,
)

REMEMBERED_ANSWERS_PER_CHAT = 1000


@dataclass(frozen=True)
class LoggedQuestion:
    asked_at: datetime
    chat_type: str
    user_language: str | None
    question: str
    latency_ms: int
    answered: bool
    cited_chunk_ids: tuple[int, ...]
    citations: tuple[str, ...] = ()


class QuestionLog:
    """Async SQLite log of questions; use `async with QuestionLog(path) as log:`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db: aiosqlite.Connection | None = None

    async def open(self) -> QuestionLog:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA busy_timeout=5000")
        await self._migrate()
        return self

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def __aenter__(self) -> QuestionLog:
        return await self.open()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("QuestionLog is not open")
        return self._db

    async def schema_version(self) -> int:
        async with self.db.execute("PRAGMA user_version") as cursor:
            (version,) = await _single_row(cursor)
        return int(version)

    async def _migrate(self) -> None:
        current = await self.schema_version()
        for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
            await self.db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")

    async def log(
        self,
        *,
        chat_type: str,
        user_language: str | None,
        question: str,
        latency_ms: int,
        answered: bool,
        cited_chunk_ids: Sequence[int],
        citations: Sequence[str] = (),
        asked_at: datetime | None = None,
        user_id: int | None = None,
    ) -> None:
        moment = (asked_at or datetime.now(UTC)).astimezone(UTC)
        await self.db.execute(
            "INSERT INTO questions (asked_at, chat_type, user_language, question, latency_ms,"
            " answered, cited_chunk_ids, citations, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                moment.isoformat(timespec="milliseconds"),
                chat_type,
                user_language,
                question,
                int(latency_ms),
                int(answered),
                json.dumps([int(chunk_id) for chunk_id in cited_chunk_ids]),
                json.dumps(list(citations), ensure_ascii=False),
                user_id,
            ),
        )
        await self.db.commit()

    async def remember_answer(
        self, chat_id: int, message_ids: Sequence[int], question: str, keep: int = REMEMBERED_ANSWERS_PER_CHAT
    ) -> None:
        """Record that these messages answered question; only a chat's latest `keep` are kept."""
        await self.db.executemany(
            "INSERT OR REPLACE INTO answer_messages (chat_id, message_id, question) VALUES (?, ?, ?)",
            [(chat_id, message_id, question) for message_id in message_ids],
        )
        await self.db.execute(
            "DELETE FROM answer_messages WHERE chat_id = ? AND message_id NOT IN"
            " (SELECT message_id FROM answer_messages WHERE chat_id = ? ORDER BY message_id DESC LIMIT ?)",
            (chat_id, chat_id, keep),
        )
        await self.db.commit()

    async def answered_question(self, chat_id: int, message_id: int) -> str | None:
        """The question that the bot's message `message_id` in `chat_id` answered, if it was one."""
        async with self.db.execute(
            "SELECT question FROM answer_messages WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        ) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def reader_locale(self, user_id: int) -> str | None:
        """The locale a reader chose with /lang, or None if they never did."""
        async with self.db.execute("SELECT locale FROM reader_languages WHERE user_id = ?", (user_id,)) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def set_reader_locale(self, user_id: int, locale: str) -> None:
        await self.db.execute(
            "INSERT INTO reader_languages (user_id, locale, chosen_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET locale = excluded.locale, chosen_at = excluded.chosen_at",
            (user_id, locale, _now()),
        )
        await self.db.commit()

    async def claim_notice(self, user_id: int, notice: str) -> bool:
        """True the first time a reader is to be shown `notice`, False ever after."""
        cursor = await self.db.execute(
            "INSERT OR IGNORE INTO reader_notices (user_id, notice, shown_at) VALUES (?, ?, ?)",
            (user_id, notice, _now()),
        )
        await self.db.commit()
        return cursor.rowcount == 1

    async def count(self) -> int:
        async with self.db.execute("SELECT COUNT(*) FROM questions") as cursor:
            (total,) = await _single_row(cursor)
        return int(total)

    async def recent(self, limit: int = 10) -> list[LoggedQuestion]:
        """The latest questions, newest first."""
        async with self.db.execute(
            "SELECT asked_at, chat_type, user_language, question, latency_ms, answered, cited_chunk_ids,"
            " citations FROM questions ORDER BY id DESC LIMIT ?",
            (limit,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [_logged_question(row) for row in rows]

    async def summary(self) -> QuestionSummary:
        """Totals for operators: how much is asked, how much is answered, how fast."""
        async with self.db.execute("SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM questions") as cursor:
            total, answered = await _single_row(cursor)
        async with self.db.execute("SELECT chat_type, COUNT(*) FROM questions GROUP BY chat_type") as cursor:
            by_chat_type = {chat_type: count for chat_type, count in await cursor.fetchall()}
        async with self.db.execute("SELECT latency_ms FROM questions ORDER BY latency_ms") as cursor:
            latencies = [row[0] for row in await cursor.fetchall()]
        median = latencies[len(latencies) // 2] if latencies else 0
        return QuestionSummary(int(total), int(answered), by_chat_type, int(median))

    async def declined(self, limit: int = 10) -> list[str]:
        """The latest questions the documents did not answer: what readers want that is missing."""
        async with self.db.execute(
            "SELECT question FROM questions WHERE answered = 0 ORDER BY id DESC LIMIT ?", (limit,)
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]


@dataclass(frozen=True)
class QuestionSummary:
    total: int
    answered: int
    by_chat_type: dict[str, int]
    median_latency_ms: int


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _logged_question(row: Sequence) -> LoggedQuestion:
    asked_at, chat_type, language, question, latency_ms, answered, cited, citations = row
    return LoggedQuestion(
        asked_at=datetime.fromisoformat(asked_at),
        chat_type=chat_type,
        user_language=language,
        question=question,
        latency_ms=int(latency_ms),
        answered=bool(answered),
        cited_chunk_ids=tuple(json.loads(cited)),
        citations=tuple(json.loads(citations)),
    )


async def _single_row(cursor: aiosqlite.Cursor) -> aiosqlite.Row:
    """The row of a query that always yields exactly one (COUNT, PRAGMA)."""
    row = await cursor.fetchone()
    if row is None:
        raise aiosqlite.DatabaseError("the query returned no row")
    return row
