"""The question log under storage faults: a lock held by another process, a removed file, an
unopenable database. Answers never wait for the log; rows are written late, or counted as lost."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from citebot.bot.application import build_application, running
from citebot.bot.store import QuestionLog, QuestionLogUnavailable
from tests.bot_support import ON_TOPIC_QUESTION
from tests.botapi_stub import Chat, User

HOLD_WRITE_LOCK = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
db.execute("COMMIT")
"""


class LockHolder:
    """Another process holding the database's write lock until released."""

    def __init__(self, path: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLD_WRITE_LOCK, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout and self.process.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.process.poll() is None:
            self.process.communicate("\n", timeout=10)


async def test_a_write_lock_held_elsewhere_delays_the_log_not_the_answers(stub, settings, library, store):
    users = [User(id=5000 + n, first_name=f"Reader{n}") for n in range(4)]
    holder = LockHolder(settings.db_path)
    try:
        async with running(build_application(settings, library, store), poll_timeout=1):
            for user in users:
                stub.push_text(Chat.private(user), user, ON_TOPIC_QUESTION)
            replies = await stub.wait_for_messages(len(users), timeout=30)
            assert holder.process.poll() is None  # every answer arrived while the lock was held
            holder.release()
            assert await store.flush(timeout=10)
    finally:
        holder.release()
    assert all(reply.blockquotes for reply in replies)
    rows = await store.recent(10)
    assert len(rows) == len(users) and all(row.delivered for row in rows)
    assert store.lost_writes == 0


async def test_rows_written_after_the_file_was_removed_go_to_a_new_file(tmp_path, caplog):
    path = tmp_path / "q.sqlite3"
    async with QuestionLog(path) as log:
        await log.log(
            chat_type="private", user_language=None, question="before", latency_ms=1, answered=True, cited_chunk_ids=[]
        )
        assert await log.flush()
        for leftover in tmp_path.glob("q.sqlite3*"):
            leftover.unlink()
        with caplog.at_level(logging.WARNING):
            await log.log(
                chat_type="private",
                user_language=None,
                question="after",
                latency_ms=1,
                answered=True,
                cited_chunk_ids=[],
            )
            assert await log.flush()
        assert [row.question for row in await log.recent()] == ["after"]
    assert "removed or replaced" in caplog.text
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT question FROM questions").fetchall() == [("after",)]


async def test_rows_the_database_never_accepts_are_counted_and_logged_at_shutdown(tmp_path, caplog):
    path = tmp_path / "q.sqlite3"
    log = await QuestionLog(path).open()
    holder = LockHolder(path)
    try:
        await log.log(
            chat_type="private",
            user_language=None,
            question="stuck question",
            latency_ms=1,
            answered=True,
            cited_chunk_ids=[],
        )
        with caplog.at_level(logging.WARNING):
            await log.close(flush_seconds=1.5)
    finally:
        holder.release()
    assert "1 write(s) lost" in caplog.text and "stuck question" in caplog.text
    assert "cannot write" in caplog.text


@pytest.mark.parametrize("damage", ["corrupt", "directory-is-a-file"])
async def test_an_unopenable_log_fails_fast_with_the_reason(tmp_path, damage):
    if damage == "corrupt":
        path = tmp_path / "q.sqlite3"
        path.write_bytes(os.urandom(4096))
    else:
        (tmp_path / "file").write_text("x")
        path = tmp_path / "file" / "q.sqlite3"
    with pytest.raises(QuestionLogUnavailable, match=str(path)):
        await asyncio.wait_for(QuestionLog(path).open(), timeout=30)
