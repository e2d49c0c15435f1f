"""/stats for admins (and `citebot stats`, which shows the same summary)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from citebot.bot.i18n import ENGLISH_TEXTS
from citebot.bot.stats import QuestionRow, VoteRow, stats_plain_text, summarize
from tests.bot_support import ADMIN, ALICE, BOB, OFF_TOPIC_QUESTION, ON_TOPIC_QUESTION
from tests.botapi_stub import BotApiStub, Chat
from tests.support import citebot

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_rejected_calls(stub: BotApiStub):
    yield
    assert stub.rejected == []


@pytest.mark.usefixtures("bot")
async def test_stats_are_for_admins_only(stub):
    stub.push_text(Chat.private(ALICE), ALICE, "/stats")
    [reply] = await stub.wait_for_messages(1)
    assert reply.plain_text == "Sorry, only the bot's administrators can do that."


@pytest.mark.usefixtures("bot")
async def test_stats_count_questions_users_answers_and_what_is_missing(stub):
    for user, question in [(ALICE, ON_TOPIC_QUESTION), (ALICE, OFF_TOPIC_QUESTION), (BOB, OFF_TOPIC_QUESTION.upper())]:
        stub.push_text(Chat.private(user), user, question)
        await stub.wait_for_messages(1, chat_id=user.id)
    await stub.wait_for_messages(3)
    stub.push_text(Chat.private(ADMIN), ADMIN, "/stats")
    [reply] = await stub.wait_for_messages(1, chat_id=ADMIN.id)
    text = reply.plain_text
    assert text.startswith("Statistics\n\nLast 24 hours\n3 questions, 2 users\nanswered: 33%\nlatency: median ")
    assert "Last 7 days\n3 questions, 2 users" in text
    assert f"2 × {OFF_TOPIC_QUESTION}".casefold() in text.casefold()


def test_summary_periods_percentiles_and_votes():
    rows = [QuestionRow(NOW - timedelta(hours=h), h % 3, h % 2 == 0, 10 * h, f"q{h % 4}") for h in range(1, 101)]
    votes = [VoteRow(NOW - timedelta(hours=1), 1), VoteRow(NOW - timedelta(days=3), -1)]
    day, week = summarize(rows, votes, NOW).periods
    assert (day.questions, day.users, day.answered, day.up, day.down) == (24, 3, 12, 1, 0)
    assert (day.median_ms, day.p95_ms) == (125, 230)
    assert (week.questions, week.up, week.down) == (100, 1, 1)
    text = stats_plain_text(ENGLISH_TEXTS, summarize(rows, votes, NOW))
    assert "Last 7 days\n100 questions, 3 users\nanswered: 50%\nlatency: median 505 ms, p95 950 ms" in text
    assert "votes: 👍 1, 👎 1" in text


def test_citebot_stats_shows_the_same_summary(tmp_path):
    import asyncio

    from citebot.bot.store import QuestionLog

    db = tmp_path / "q.sqlite3"
    missing = citebot("stats", env={"CITEBOT_DB_PATH": str(db)})
    assert missing.returncode == 1 and "no question log" in missing.stderr

    async def fill():
        async with QuestionLog(db) as log:
            for user_id in (1, 2):
                await log.log(
                    chat_type="private",
                    user_language="en",
                    question="What is the capital of France?",
                    latency_ms=90,
                    answered=False,
                    cited_chunk_ids=[],
                    user_id=user_id,
                )

    asyncio.run(fill())
    result = citebot("stats", env={"CITEBOT_DB_PATH": str(db)})
    assert result.returncode == 0, result.stderr
    assert "Last 24 hours\n2 questions, 2 users\nanswered: 0%\nlatency: median 90 ms, p95 90 ms" in result.stdout
    assert "2 × What is the capital of France?" in result.stdout
