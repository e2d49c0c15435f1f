"""Question-log writes that never hold up an answer: a bounded in-memory queue drained by one task.

A write lock held by another process, a full disk or a removed file delays the log, not the user:
each write is retried with backoff until it succeeds. Rows that cannot be written (the queue is
full, or shutdown came first) are counted and logged with their content, never dropped quietly.
A database file removed while the bot runs is noticed (SQLite would go on writing to the unlinked
file) and a new one is started in its place.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

logger = logging.getLogger(__name__)

CAPACITY = 1000
RETRY_CAP_SECONDS = 2.0

Write = Callable[[aiosqlite.Connection], Awaitable[None]]


@dataclass
class PendingWrite:
    description: str  # what is lost if this is never written, for the log
    write: Write
    written: Callable[[], None] | None = None  # called once the write is committed


def inode_of(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None


class WriteBehind:
    """Runs submitted writes in order on a connection of its own, committing each one."""

    def __init__(
        self, path: Path, connect: Callable[[], Awaitable[aiosqlite.Connection]], capacity: int = CAPACITY
    ) -> None:
        self.path = path
        self._connect = connect
        self._queue: asyncio.Queue[PendingWrite] = asyncio.Queue(capacity)
        self._db: aiosqlite.Connection | None = None
        self._inode: int | None = None
        self._task: asyncio.Task | None = None
        self._current: PendingWrite | None = None
        self._failing = False
        self.lost = 0

    async def start(self) -> None:
        self._db = await self._connect()
        self._inode = inode_of(self.path)
        self._task = asyncio.create_task(self._drain(), name="question-log-writer")

    def submit(self, description: str, write: Write, written: Callable[[], None] | None = None) -> None:
        """Queues `write`; `written` is called once it is committed (never, if it is lost)."""
        pending = PendingWrite(description, write, written)
        try:
            self._queue.put_nowait(pending)
        except asyncio.QueueFull:
            self._lose([pending], f"{self._queue.maxsize} writes are already waiting")

    async def flush(self, timeout: float) -> bool:
        """Waits up to `timeout` seconds for every submitted write; whether they all made it."""
        try:
            await asyncio.wait_for(self._queue.join(), timeout)
        except TimeoutError:
            return False
        return True

    async def close(self, timeout: float) -> None:
        """Flushes for at most `timeout` seconds; what is left is counted and logged as lost."""
        flushed = await self.flush(timeout)
        left = [] if flushed or self._current is None else [self._current]
        while not flushed and not self._queue.empty():
            left.append(self._queue.get_nowait())
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._lose(left, f"the database did not take them within {timeout:.1f} s of shutdown")
        db, self._db = self._db, None
        if db is not None:
            with contextlib.suppress(Exception):
                await db.close()

    def _lose(self, writes: list[PendingWrite], reason: str) -> None:
        if not writes:
            return
        self.lost += len(writes)
        logger.error(
            "Question log: %d write(s) lost because %s (%d lost in all): %s",
            len(writes),
            reason,
            self.lost,
            "; ".join(w.description for w in writes),
        )

    async def _drain(self) -> None:
        while True:
            self._current = await self._queue.get()
            try:
                await self._write_until_done(self._current)
            finally:
                self._current = None
                self._queue.task_done()

    async def _write_until_done(self, pending: PendingWrite) -> None:
        delay = 0.05
        while True:
            try:
                await self._reopen_if_replaced()
                assert self._db is not None
                await pending.write(self._db)
                await self._db.commit()
            except (sqlite3.Error, OSError) as error:
                if self._db is not None:
                    with contextlib.suppress(Exception):
                        await self._db.rollback()
                if not self._failing:
                    self._failing = True
                    logger.warning("Question log: cannot write (%s); writes wait in memory and are retried", error)
                await asyncio.sleep(delay)
                delay = min(RETRY_CAP_SECONDS, delay * 2)
                continue
            if self._failing:
                self._failing = False
                logger.warning("Question log: writing again (%d write(s) waiting)", self._queue.qsize())
            if pending.written is not None:
                pending.written()
            return

    async def _reopen_if_replaced(self) -> None:
        if self._db is not None and inode_of(self.path) == self._inode:
            return
        if self._db is not None:
            logger.warning("Question log %s was removed or replaced; starting a new one there", self.path)
            db, self._db = self._db, None
            with contextlib.suppress(Exception):
                await db.close()
        self._db = await self._connect()
        self._inode = inode_of(self.path)
