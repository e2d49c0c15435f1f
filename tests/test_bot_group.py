"""The bot in a group: it answers /ask and replies to its own messages, and stays out of the rest."""

from __future__ import annotations

import asyncio

import pytest

from tests.bot_support import ALICE, BOB, GROUP, ON_TOPIC_QUESTION
from tests.botapi_stub import BotApiStub

pytestmark = pytest.mark.usefixtures("bot")
QUIET_SECONDS = 0.5


@pytest.fixture(autouse=True)
def no_rejected_calls(stub: BotApiStub):
    yield
    assert stub.rejected == []


@pytest.mark.parametrize("command", ["/ask", "/ask@citebot_test_bot", "/ASK@Citebot_Test_Bot"])
async def test_ask_is_answered_as_a_reply_to_the_asker(stub, store, command):
    asked = stub.push_text(GROUP, ALICE, f"{command} {ON_TOPIC_QUESTION}")
    [reply] = await stub.wait_for_messages(1)
    assert (reply.chat_id, reply.reply_to_message_id) == (GROUP.id, asked)
    assert reply.blockquotes and "¶" in reply.plain_text
    [logged] = await store.recent(5)
    assert (logged.question, logged.chat_type, logged.answered) == (ON_TOPIC_QUESTION, "supergroup", True)


async def test_question_on_the_lines_after_ask_keeps_its_text(stub, store):
    stub.push_text(GROUP, ALICE, f"/ask\n{ON_TOPIC_QUESTION}")
    [reply] = await stub.wait_for_messages(1)
    assert reply.blockquotes
    assert [q.question for q in await store.recent(5)] == [ON_TOPIC_QUESTION]


@pytest.mark.parametrize("text", ["/ask", "/ask@citebot_test_bot   "])
async def test_bare_ask_gets_a_usage_hint(stub, store, text):
    asked = stub.push_text(GROUP, ALICE, text)
    [reply] = await stub.wait_for_messages(1)
    assert reply.reply_to_message_id == asked
    assert "/ask your question" in reply.plain_text
    assert await store.count() == 0


async def test_chatter_and_commands_for_other_bots_are_ignored(stub, store):
    stub.push_text(GROUP, ALICE, ON_TOPIC_QUESTION)
    stub.push_text(GROUP, BOB, f"/ask@some_other_bot {ON_TOPIC_QUESTION}")
    stub.push_sticker(GROUP, BOB)
    asked = stub.push_text(GROUP, BOB, "/help@citebot_test_bot")
    [reply] = await stub.wait_for_messages(1)
    await stub.wait_until_fetched(stub.last_update_id())
    await asyncio.sleep(QUIET_SECONDS)
    assert reply.reply_to_message_id == asked and "How to ask" in reply.plain_text
    assert len(stub.sent) == 1 and await store.count() == 0


async def test_reply_to_the_bots_message_is_a_follow_up_question(stub, store):
    stub.push_text(GROUP, ALICE, "/ask 《南下之路》是什么电影？")
    [answer] = await stub.wait_for_messages(1)
    follow_up = stub.push_text(GROUP, BOB, ON_TOPIC_QUESTION, reply_to=answer.message_id)
    _, reply = await stub.wait_for_messages(2)
    assert reply.reply_to_message_id == follow_up
    assert any("召回了驻蒙古大使" in quote for quote in reply.blockquotes)
    assert [q.question for q in await store.recent(5)] == [ON_TOPIC_QUESTION, "《南下之路》是什么电影？"]


async def test_reply_to_someone_elses_message_is_ignored(stub, store):
    chatter = stub.push_text(GROUP, ALICE, "Anyone read the article?")
    stub.push_text(GROUP, BOB, ON_TOPIC_QUESTION, reply_to=chatter)
    asked = stub.push_text(GROUP, BOB, "/sources")
    [reply] = await stub.wait_for_messages(1)
    await stub.wait_until_fetched(stub.last_update_id())
    await asyncio.sleep(QUIET_SECONDS)
    assert reply.reply_to_message_id == asked and "Documents I know" in reply.plain_text
    assert len(stub.sent) == 1 and await store.count() == 0


async def test_an_elliptical_follow_up_is_read_with_the_question_it_replies_to(stub, store):
    stub.push_text(GROUP, ALICE, f"/ask {ON_TOPIC_QUESTION}")
    [answer] = await stub.wait_for_messages(1)
    stub.push_text(GROUP, BOB, "那是哪一年发生的？", reply_to=answer.message_id)
    _, reply = await stub.wait_for_messages(2)
    assert any("2024年" in quote for quote in reply.blockquotes)
    stub.push_text(GROUP, BOB, "/ask 那是哪一年发生的？")
    *_, without_context = await stub.wait_for_messages(3)
    assert not without_context.blockquotes


async def test_a_message_mentioning_the_bot_is_a_question(stub, store):
    text = f"@citebot_test_bot {ON_TOPIC_QUESTION}"
    asked = stub.push_text(GROUP, ALICE, text, entities=[{"type": "mention", "offset": 0, "length": 17}])
    [reply] = await stub.wait_for_messages(1)
    assert reply.reply_to_message_id == asked and reply.blockquotes
    assert [q.question for q in await store.recent(5)] == [ON_TOPIC_QUESTION]


async def test_a_mention_of_someone_else_is_ignored(stub, store):
    stub.push_text(
        GROUP, ALICE, f"@somebody {ON_TOPIC_QUESTION}", entities=[{"type": "mention", "offset": 0, "length": 9}]
    )
    asked = stub.push_text(GROUP, BOB, "/sources")
    [reply] = await stub.wait_for_messages(1)
    await stub.wait_until_fetched(stub.last_update_id())
    await asyncio.sleep(QUIET_SECONDS)
    assert reply.reply_to_message_id == asked and len(stub.sent) == 1 and await store.count() == 0
