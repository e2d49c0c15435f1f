from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from citebot.bot import store as store_module
from citebot.bot.store import MIGRATIONS, QuestionLog


async def log_one(log: QuestionLog, question: str = "朝鲜为什么召回大使？", **overrides: Any) -> None:
    entry: dict[str, Any] = dict(
        chat_type="private",
        user_language="zh-hans",
        question=question,
        latency_ms=42,
        answered=True,
        cited_chunk_ids=[4, 1],
    )
    entry.update(overrides)
    await log.log(**entry)


async def test_opening_creates_the_database_with_wal_and_the_latest_schema(tmp_path: Path):
    path = tmp_path / "nested" / "dir" / "questions.sqlite3"
    async with QuestionLog(path) as log:
        assert await log.schema_version() == len(MIGRATIONS)
    assert path.exists()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_logged_questions_read_back_newest_first(tmp_path: Path):
    async with QuestionLog(tmp_path / "q.sqlite3") as log:
        await log_one(log, "first")
        await log_one(
            log, "second", chat_type="supergroup", user_language=None, answered=False, cited_chunk_ids=[], latency_ms=7
        )
        assert await log.count() == 2
        newest, oldest = await log.recent(5)
    assert (newest.question, newest.chat_type, newest.user_language) == ("second", "supergroup", None)
    assert (newest.answered, newest.cited_chunk_ids, newest.latency_ms) == (False, (), 7)
    assert (oldest.question, oldest.answered, oldest.cited_chunk_ids) == ("first", True, (4, 1))
    assert oldest.asked_at.tzinfo is not None
    assert abs(datetime.now(UTC) - oldest.asked_at) < timedelta(minutes=1)


async def test_rows_are_stored_as_utc_iso_time_and_json_chunk_ids(tmp_path: Path):
    path = tmp_path / "q.sqlite3"
    moment = datetime(2025, 11, 4, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    async with QuestionLog(path) as log:
        await log_one(log, asked_at=moment)
    with sqlite3.connect(path) as db:
        asked_at, cited, answered = db.execute("SELECT asked_at, cited_chunk_ids, answered FROM questions").fetchone()
    assert (asked_at, cited, answered) == ("2025-11-04T01:30:00.000+00:00", "[4, 1]", 1)


async def test_reopening_keeps_rows_and_applies_only_new_migrations(tmp_path: Path, monkeypatch):
    path = tmp_path / "q.sqlite3"
    async with QuestionLog(path) as log:
        await log_one(log)
    monkeypatch.setattr(store_module, "MIGRATIONS", (*MIGRATIONS, "ALTER TABLE questions ADD COLUMN note TEXT;"))
    async with QuestionLog(path) as log:
        assert await log.schema_version() == len(MIGRATIONS) + 1
        assert await log.count() == 1
    async with QuestionLog(path) as log:
        assert await log.schema_version() == len(MIGRATIONS) + 1
    with sqlite3.connect(path) as db:
        assert "note" in [row[1] for row in db.execute("PRAGMA table_info(questions)")]


async def test_a_version_1_database_is_upgraded_in_place(tmp_path: Path):
    path = tmp_path / "q.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
        db.execute(
            "INSERT INTO questions (asked_at, chat_type, question, latency_ms, answered)"
            " VALUES ('2025-11-04T01:30:00.000+00:00', 'private', 'old', 5, 1)"
        )
    async with QuestionLog(path) as log:
        assert await log.schema_version() == len(MIGRATIONS) >= 2
        await log_one(log, "new", citations=["mongolia-defector-dilemma#12"])
        new, old = await log.recent(2)
    assert (old.question, old.citations) == ("old", ())
    assert new.citations == ("mongolia-defector-dilemma#12",)


async def test_summary_and_unanswered_questions_for_operators(tmp_path: Path):
    async with QuestionLog(tmp_path / "q.sqlite3") as log:
        await log_one(log, "a", latency_ms=10)
        await log_one(log, "b", latency_ms=30, chat_type="group")
        await log_one(log, "天气如何?", latency_ms=20, answered=False, cited_chunk_ids=[])
        summary = await log.summary()
        assert (summary.total, summary.answered, summary.median_latency_ms) == (3, 2, 20)
        assert summary.by_chat_type == {"private": 2, "group": 1}
        assert await log.declined() == ["天气如何?"]


async def test_answer_messages_map_back_to_their_question_per_chat(tmp_path: Path):
    async with QuestionLog(tmp_path / "q.sqlite3") as log:
        await log.remember_answer(-100, [7, 8], "朝鲜为什么召回大使？")
        assert await log.answered_question(-100, 8) == "朝鲜为什么召回大使？"
        assert await log.answered_question(-100, 9) is None
        assert await log.answered_question(-200, 7) is None
    async with QuestionLog(tmp_path / "q.sqlite3") as log:
        assert await log.answered_question(-100, 7) == "朝鲜为什么召回大使？"


async def test_only_a_chats_latest_answer_messages_are_kept(tmp_path: Path):
    async with QuestionLog(tmp_path / "q.sqlite3") as log:
        await log.remember_answer(-300, [1], "kept elsewhere")
        for message_id in range(10, 15):
            await log.remember_answer(-100, [message_id], f"question {message_id}", keep=3)
        assert [await log.answered_question(-100, m) for m in range(10, 15)] == [
            None,
            None,
            "question 12",
            "question 13",
            "question 14",
        ]
        assert await log.answered_question(-300, 1) == "kept elsewhere"
