"""The question log: every question the bot answered or declined, in SQLite."""

from __future__ import annotations

import contextlib
import functools
import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import aiosqlite

from .log_writer import Write, WriteBehind, inode_of

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
    # Whether the answer reached the user: 1 yes, 0 no (sending failed), NULL unknown (a send
    # timed out, so it may have arrived; rows from before this column are unknown too).
    "ALTER TABLE questions ADD COLUMN delivered INTEGER CHECK (delivered IN (0, 1));",
)

REMEMBERED_ANSWERS_PER_CHAT = 1000
REMEMBERED_NOTICE_CLAIMS = 10_000
BUSY_TIMEOUT_SECONDS = 5.0  # opening, migrating, reading
WRITE_BUSY_TIMEOUT_SECONDS = 1.0  # each try of a queued write; the writer retries
FLUSH_SECONDS = 3.0  # at shutdown, after the in-flight grace: both inside the 10 s stop bound
FOLLOW_UP_FLUSH_SECONDS = 0.5


INTERACTIVE_BUSY_TIMEOUT_MS = 250


class QuestionLogUnavailable(RuntimeError):
    """The question log cannot be opened; the message says where and why."""


@dataclass
class LogTicket:
    """A queued question row; its id once written."""

    row_id: int | None = None


async def connect(path: Path, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> aiosqlite.Connection:
    """A connection to the log at `path`, created and migrated if need be; sqlite3/OS errors raise."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = await aiosqlite.connect(path, timeout=busy_timeout)
    try:
        await db.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        await db.execute("PRAGMA journal_mode=WAL")
        await migrate(db)
    except BaseException:
        # aiosqlite's thread is not a daemon: a connection left open keeps the process alive.
        with contextlib.suppress(Exception):
            await db.close()
        raise
    return db


async def migrate(db: aiosqlite.Connection) -> None:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
        await db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")


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
    delivered: bool | None = None


class QuestionLog:
    """Async SQLite log of questions; use `async with QuestionLog(path) as log:`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db: aiosqlite.Connection | None = None
        self._db_inode: int | None = None
        self._writes: WriteBehind | None = None
        self._unwritten_answers: dict[tuple[int, int], str] = {}
        self._unwritten_locales: dict[int, str] = {}
        # Notices claimed by this process (insertion-ordered, oldest first), so two answers racing
        # past the database read do not both show one.
        self._claimed_notices: dict[tuple[int, str], None] = {}

    async def open(self) -> QuestionLog:
        """Opens (creating and migrating) the database, or raises QuestionLogUnavailable within
        the busy timeout: a corrupt file, a lock held elsewhere, an unwritable directory.

        Reads use one connection; writes go through a queue to a second one (bot/log_writer.py),
        so that a write waiting for a lock never holds up a read, nor an answer."""
        try:
            self._db = await connect(self.path)
            # Reads never wait for a writer (WAL); the only writes on this connection are the
            # interactive ones (button state, notices), which give up quickly rather than delay an answer.
            await self._db.execute(f"PRAGMA busy_timeout={INTERACTIVE_BUSY_TIMEOUT_MS}")
            self._db_inode = inode_of(self.path)
            self._writes = WriteBehind(self.path, functools.partial(connect, self.path, WRITE_BUSY_TIMEOUT_SECONDS))
            await self._writes.start()
        except (OSError, sqlite3.Error) as error:
            with contextlib.suppress(Exception):
                await self.close()
            raise QuestionLogUnavailable(
                f"cannot open the question log {self.path}: {error} "
                "(check CITEBOT_DB_PATH; move a damaged file aside and a new log is started)"
            ) from error
        return self

    async def close(self, flush_seconds: float = FLUSH_SECONDS) -> None:
        """Writes what is queued (for at most `flush_seconds`; the rest is logged as lost), then closes."""
        writes, self._writes = self._writes, None
        if writes is not None:
            await writes.close(flush_seconds)
        db, self._db = self._db, None
        if db is not None:
            await db.close()

    @property
    def lost_writes(self) -> int:
        return self._writes.lost if self._writes else 0

    async def flush(self, timeout: float = FLUSH_SECONDS) -> bool:
        """Waits (at most `timeout` s) until every queued write is in the database."""
        return await self._writes.flush(timeout) if self._writes else True

    async def _reader(self) -> aiosqlite.Connection:
        """The read connection, reopened if the file was removed or replaced under it."""
        if self._db is not None and inode_of(self.path) not in (self._db_inode, None):
            await self._db.close()
            self._db = await connect(self.path)
            # Reads never wait for a writer (WAL); the only writes on this connection are the
            # interactive ones (button state, notices), which give up quickly rather than delay an answer.
            await self._db.execute(f"PRAGMA busy_timeout={INTERACTIVE_BUSY_TIMEOUT_MS}")
            self._db_inode = inode_of(self.path)
        return self.db

    def _submit(self, description: str, write: Write, written: Callable[[], None] | None = None) -> None:
        if self._writes is None:
            raise RuntimeError("QuestionLog is not open")
        self._writes.submit(description, write, written)

    async def check(self) -> None:
        """Opens and closes the log: QuestionLogUnavailable now rather than later."""
        await self.open()
        await self.close()

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
        delivered: bool | None = True,
    ) -> LogTicket:
        """Queues the row (it is written in the background, see bot/log_writer.py); the ticket
        lets `mark_delivered` fill in whether the answer arrived."""
        moment = (asked_at or datetime.now(UTC)).astimezone(UTC)
        row = (
            moment.isoformat(timespec="milliseconds"),
            chat_type,
            user_language,
            question,
            int(latency_ms),
            int(answered),
            json.dumps([int(chunk_id) for chunk_id in cited_chunk_ids]),
            json.dumps(list(citations), ensure_ascii=False),
            user_id,
            None if delivered is None else int(delivered),
        )
        ticket = LogTicket()

        async def insert(db: aiosqlite.Connection) -> None:
            cursor = await db.execute(
                "INSERT INTO questions (asked_at, chat_type, user_language, question, latency_ms,"
                " answered, cited_chunk_ids, citations, user_id, delivered) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            ticket.row_id = cursor.lastrowid

        self._submit(f"question row {json.dumps(row, ensure_ascii=False)}", insert)
        return ticket

    def mark_delivered(self, ticket: LogTicket, delivered: bool | None) -> None:
        async def update(db: aiosqlite.Connection) -> None:
            if ticket.row_id is not None:
                await db.execute(
                    "UPDATE questions SET delivered = ? WHERE id = ?",
                    (None if delivered is None else int(delivered), ticket.row_id),
                )

        self._submit(f"delivered={delivered} for a question row", update)

    async def remember_answer(
        self, chat_id: int, message_ids: Sequence[int], question: str, keep: int = REMEMBERED_ANSWERS_PER_CHAT
    ) -> None:
        """Record that these messages answered question; only a chat's latest `keep` are kept."""
        keys = [(chat_id, message_id) for message_id in message_ids]
        self._unwritten_answers.update(dict.fromkeys(keys, question))

        async def write(db: aiosqlite.Connection) -> None:
            await db.executemany(
                "INSERT OR REPLACE INTO answer_messages (chat_id, message_id, question) VALUES (?, ?, ?)",
                [(*key, question) for key in keys],
            )
            await db.execute(
                "DELETE FROM answer_messages WHERE chat_id = ? AND message_id NOT IN"
                " (SELECT message_id FROM answer_messages WHERE chat_id = ? ORDER BY message_id DESC LIMIT ?)",
                (chat_id, chat_id, keep),
            )
            for key in keys:
                self._unwritten_answers.pop(key, None)

        self._submit(f"answer messages {keys} for question {question!r}", write)

    async def answered_question(self, chat_id: int, message_id: int) -> str | None:
        """The question that the bot's message `message_id` in `chat_id` answered, if it was one."""
        if not await self.flush(FOLLOW_UP_FLUSH_SECONDS):  # the database is stuck: answer from memory
            return self._unwritten_answers.get((chat_id, message_id))
        async with (await self._reader()).execute(
            "SELECT question FROM answer_messages WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        ) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def reader_locale(self, user_id: int) -> str | None:
        """The locale a reader chose with /lang, or None if they never did (a choice still waiting
        to be written counts: it takes effect at once)."""
        if (waiting := self._unwritten_locales.get(user_id)) is not None:
            return waiting
        async with (await self._reader()).execute(
            "SELECT locale FROM reader_languages WHERE user_id = ?", (user_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    def set_reader_locale(self, user_id: int, locale: str) -> None:
        """Keeps a reader's /lang choice: in effect at once, written behind (a locked database
        delays the write, not the reply)."""
        self._unwritten_locales[user_id] = locale
        chosen_at = _now()

        async def write(db: aiosqlite.Connection) -> None:
            await db.execute(
                "INSERT INTO reader_languages (user_id, locale, chosen_at) VALUES (?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET locale = excluded.locale, chosen_at = excluded.chosen_at",
                (user_id, locale, chosen_at),
            )

        def written() -> None:
            if self._unwritten_locales.get(user_id) == locale:  # not chosen again meanwhile
                del self._unwritten_locales[user_id]

        self._submit(f"user {user_id} chose the language {locale!r}", write, written)

    async def claim_notice(self, user_id: int, notice: str) -> bool:
        """True the first time a reader is to be shown `notice`, False ever after. The claim holds
        at once (in memory) and is written behind, so a locked database never delays the answer."""
        key = (user_id, notice)
        if key in self._claimed_notices:
            return False
        async with (await self._reader()).execute(
            "SELECT 1 FROM reader_notices WHERE user_id = ? AND notice = ?", key
        ) as cursor:
            shown = await cursor.fetchone() is not None
        if shown or key in self._claimed_notices:  # claimed by another answer while we read
            return False
        self._claimed_notices[key] = None
        while len(self._claimed_notices) > REMEMBERED_NOTICE_CLAIMS:  # long since written: forget the oldest
            del self._claimed_notices[next(iter(self._claimed_notices))]
        shown_at = _now()

        async def write(db: aiosqlite.Connection) -> None:
            await db.execute(
                "INSERT OR IGNORE INTO reader_notices (user_id, notice, shown_at) VALUES (?, ?, ?)",
                (user_id, notice, shown_at),
            )

        self._submit(f"user {user_id} was shown the notice {notice!r}", write)
        return True

    async def count(self) -> int:
        await self.flush()
        async with (await self._reader()).execute("SELECT COUNT(*) FROM questions") as cursor:
            (total,) = await _single_row(cursor)
        return int(total)

    async def recent(self, limit: int = 10) -> list[LoggedQuestion]:
        """The latest questions, newest first."""
        await self.flush()
        async with (await self._reader()).execute(
            "SELECT asked_at, chat_type, user_language, question, latency_ms, answered, cited_chunk_ids,"
            " citations, delivered FROM questions ORDER BY id DESC LIMIT ?",
            (limit,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [_logged_question(row) for row in rows]

    async def summary(self) -> QuestionSummary:
        """Totals for operators: how much is asked, how much is answered, how fast."""
        await self.flush()
        db = await self._reader()
        async with db.execute("SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM questions") as cursor:
            total, answered = await _single_row(cursor)
        async with db.execute("SELECT chat_type, COUNT(*) FROM questions GROUP BY chat_type") as cursor:
            by_chat_type = {chat_type: count for chat_type, count in await cursor.fetchall()}
        async with db.execute("SELECT latency_ms FROM questions ORDER BY latency_ms") as cursor:
            latencies = [row[0] for row in await cursor.fetchall()]
        median = latencies[len(latencies) // 2] if latencies else 0
        return QuestionSummary(int(total), int(answered), by_chat_type, int(median))

    async def declined(self, limit: int = 10) -> list[str]:
        """The latest questions the documents did not answer: what readers want that is missing."""
        await self.flush()
        async with (await self._reader()).execute(
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
    asked_at, chat_type, language, question, latency_ms, answered, cited, citations, delivered = row
    return LoggedQuestion(
        asked_at=datetime.fromisoformat(asked_at),
        chat_type=chat_type,
        user_language=language,
        question=question,
        latency_ms=int(latency_ms),
        answered=bool(answered),
        cited_chunk_ids=tuple(json.loads(cited)),
        citations=tuple(json.loads(citations)),
        delivered=None if delivered is None else bool(delivered),
    )


async def _single_row(cursor: aiosqlite.Cursor) -> aiosqlite.Row:
    """The row of a query that always yields exactly one (COUNT, PRAGMA)."""
    row = await cursor.fetchone()
    if row is None:
        raise aiosqlite.DatabaseError("the query returned no row")
    return row
