"""Telegram on a bad day: the bot against a Bot API stand-in that fails, stalls and garbles."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from citebot.bot.application import build_application, running
from tests.bot_support import ALICE, ON_TOPIC_QUESTION
from tests.botapi_stub import BotApiStub, Chat

CHAT = Chat.private(ALICE)


async def logged_row(store, until=lambda row: row.delivered is not None, timeout: float = 10.0):
    """The newest question-log row, once `until` holds for it (the row is updated after sending)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = await store.recent(1)
        if rows and until(rows[0]):
            return rows[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no matching log row within {timeout}s: {rows}")
        await asyncio.sleep(0.05)


async def settle() -> None:
    """Long enough for a duplicate or a 'Sorry' to have been sent, if one were coming."""
    await asyncio.sleep(1.0)


@pytest.mark.parametrize(
    "fault",
    [
        lambda stub: stub.fail_next("sendMessage", 500),
        lambda stub: stub.fail_next("sendMessage", 502, times=2),
        lambda stub: stub.drop_next("sendMessage"),
        lambda stub: stub.garble_next("sendMessage"),
    ],
    ids=["500", "502-twice", "connection-reset", "not-json"],
)
async def test_a_failed_send_is_retried_and_the_answer_arrives_once(bot, stub, store, fault):
    fault(stub)
    stub.push_text(CHAT, ALICE, ON_TOPIC_QUESTION)
    [reply] = await stub.wait_for_messages(1)
    await settle()
    assert len(stub.sent_to(CHAT.id)) == 1
    assert reply.blockquotes and "went wrong" not in reply.plain_text
    assert (await logged_row(store)).delivered is True
    assert stub.rejected == []


async def test_a_slow_reply_is_not_resent_and_no_error_is_shown(stub, settings, library, store):
    async with running(build_application(settings, library, store, read_timeout=0.5), poll_timeout=1):
        stub.slow_next("sendMessage", 1.5)
        stub.push_text(CHAT, ALICE, ON_TOPIC_QUESTION)
        [reply] = await stub.wait_for_messages(1)
        await asyncio.sleep(2.0)  # past the slow answer and PTB's read timeout
        row = await logged_row(store, until=lambda row: True)
    assert len(stub.sent_to(CHAT.id)) == 1 and reply.blockquotes
    assert row.delivered is None  # it timed out: it may have arrived (it did), so it is "unknown"


async def test_a_flood_wait_beyond_the_bound_gets_a_short_message(bot, stub, store):
    stub.fail_next("sendMessage", 429, retry_after=600)
    stub.push_text(CHAT, ALICE, ON_TOPIC_QUESTION)
    [reply] = await stub.wait_for_messages(1)
    await settle()
    assert "limiting how fast" in reply.plain_text and "10 min" in reply.plain_text
    assert len(stub.sent_to(CHAT.id)) == 1
    assert (await logged_row(store)).delivered is False


async def test_a_short_flood_wait_is_sat_out(bot, stub):
    stub.fail_next("sendMessage", 429, retry_after=1)
    stub.push_text(CHAT, ALICE, ON_TOPIC_QUESTION)
    [reply] = await stub.wait_for_messages(1)
    assert reply.blockquotes
    assert [c.status for c in stub.calls_to("sendMessage")] == [429, 200]


async def test_start_up_survives_telegram_failing_get_me_and_set_my_commands(stub, settings, library, store):
    stub.fail_next("getMe", 502, times=2)
    stub.fail_next("setMyCommands", 500, times=2)
    async with running(build_application(settings, library, store), poll_timeout=1):
        stub.push_text(CHAT, ALICE, ON_TOPIC_QUESTION)
        [reply] = await stub.wait_for_messages(1)
    assert reply.blockquotes
    assert stub.commands_for({"type": "all_group_chats"}) == ["ask", "help", "sources", "lang"]


async def test_a_polling_outage_is_one_log_line_and_one_when_it_ends(stub, settings, library, store, caplog):
    with caplog.at_level(logging.DEBUG):
        async with running(build_application(settings, library, store), poll_timeout=1):
            stub.fail_next("getUpdates", 502, times=3)
            stub.push_text(CHAT, ALICE, ON_TOPIC_QUESTION)
            [reply] = await stub.wait_for_messages(1, timeout=30)
    assert reply.blockquotes
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("citebot")]
    assert [r.getMessage().split(":")[1].strip().split(" ")[1] for r in warnings] == ["unreachable", "reachable"]
    assert not any(r.exc_info for r in caplog.records if r.levelno >= logging.WARNING)


async def test_a_rejected_send_is_not_retried(bot, stub: BotApiStub):
    stub.fail_next("sendMessage", 400)
    stub.push_text(CHAT, ALICE, ON_TOPIC_QUESTION)
    [sorry] = await stub.wait_for_messages(1)
    assert "went wrong" in sorry.plain_text
    assert [c.status for c in stub.calls_to("sendMessage")] == [400, 200]
