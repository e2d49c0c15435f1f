"""Buttons under an answer: 👍/👎 votes and "More" excerpts, across a restart too."""

from __future__ import annotations

import pytest

from citebot.bot.application import build_application, running
from tests.bot_support import ADMIN, ALICE, BOB, GROUP, OFF_TOPIC_QUESTION, ON_TOPIC_QUESTION, RELATED_QUESTION
from tests.botapi_stub import BotApiStub, Chat

CHAT = Chat.private(ALICE)


@pytest.fixture(autouse=True)
def no_rejected_calls(stub: BotApiStub):
    yield
    assert stub.rejected == []


def button_data(message) -> dict[str, str]:
    return {b["text"]: b["callback_data"] for row in message.reply_markup["inline_keyboard"] for b in row}


async def ask(stub: BotApiStub, chat: Chat, user, question: str, count: int = 1):
    before = len(stub.sent_to(chat.id))
    stub.push_text(chat, user, question)
    return (await stub.wait_for_messages(before + count, chat_id=chat.id))[before:]


async def press(stub: BotApiStub, chat: Chat, user, message_id: int, data: str) -> str:
    query = stub.push_callback(chat, user, message_id, data)
    return (await stub.wait_for_callback_answer(query)).text


async def stats_text(stub: BotApiStub) -> str:
    admin_chat = Chat.private(ADMIN)
    before = len(stub.sent_to(ADMIN.id))
    stub.push_text(admin_chat, ADMIN, "/stats")
    return (await stub.wait_for_messages(before + 1, chat_id=ADMIN.id))[-1].plain_text


@pytest.mark.usefixtures("bot")
async def test_an_answer_carries_vote_and_more_buttons_and_a_decline_none(stub):
    [answer] = await ask(stub, CHAT, ALICE, ON_TOPIC_QUESTION)
    data = button_data(answer)
    assert set(data) == {"👍", "👎", "More excerpts"}
    assert all(len(d.encode()) <= 64 for d in data.values())
    [decline] = await ask(stub, CHAT, ALICE, OFF_TOPIC_QUESTION)
    assert decline.reply_markup is None


@pytest.mark.usefixtures("bot")
async def test_votes_are_one_per_user_changeable_and_counted(stub):
    [answer] = await ask(stub, CHAT, ALICE, ON_TOPIC_QUESTION)
    data = button_data(answer)
    assert await press(stub, CHAT, ALICE, answer.message_id, data["👍"]) == "Thanks! Your 👍 is noted."
    assert await press(stub, CHAT, ALICE, answer.message_id, data["👍"]) == "You already voted 👍."
    assert await press(stub, CHAT, ALICE, answer.message_id, data["👎"]) == "Changed your vote to 👎."
    assert "votes: 👍 0, 👎 1" in await stats_text(stub)


@pytest.mark.usefixtures("bot")
async def test_votes_in_a_group_count_each_member_once(stub):
    stub.push_text(GROUP, ALICE, f"/ask {ON_TOPIC_QUESTION}")
    [answer] = await stub.wait_for_messages(1, chat_id=GROUP.id)
    data = button_data(answer)
    await press(stub, GROUP, ALICE, answer.message_id, data["👍"])
    assert await press(stub, GROUP, BOB, answer.message_id, data["👍"]) == "Thanks! Your 👍 is noted."
    assert "votes: 👍 2, 👎 0" in await stats_text(stub)


@pytest.mark.usefixtures("bot")
async def test_more_sends_the_next_excerpts_until_there_are_none(stub, library):
    [answer] = await ask(stub, CHAT, ALICE, ON_TOPIC_QUESTION)
    first_quotes = set(answer.blockquotes)
    more = button_data(answer)["More excerpts"]
    assert await press(stub, CHAT, ALICE, answer.message_id, more) == "Here are more excerpts."
    [extra] = (await stub.wait_for_messages(2, chat_id=CHAT.id))[1:]
    assert extra.plain_text.startswith(f"More on “{ON_TOPIC_QUESTION}”")
    assert extra.blockquotes and not first_quotes & set(extra.blockquotes)
    assert f"[{len(first_quotes) + 1}] " in extra.plain_text
    toasts = []
    for _ in range(4):  # the test collection has six paragraphs: they run out
        toasts.append(
            await press(stub, CHAT, ALICE, extra.message_id, button_data(extra)["More excerpts"])
            if extra.reply_markup
            else None
        )
        extra = stub.sent_to(CHAT.id)[-1]
    assert "That is everything the documents have on this question." in toasts
    quoted = [q for m in stub.sent_to(CHAT.id) for q in m.blockquotes]
    assert len(quoted) == len(set(quoted))


async def test_buttons_work_after_a_restart_and_stale_ones_get_a_toast(stub, settings, library, store):
    async with running(build_application(settings, library, store), poll_timeout=1):
        [answer] = await ask(stub, CHAT, ALICE, ON_TOPIC_QUESTION)
    async with running(build_application(settings, library, store), poll_timeout=1):
        data = button_data(answer)
        assert await press(stub, CHAT, ALICE, answer.message_id, data["👍"]) == "Thanks! Your 👍 is noted."
        assert await press(stub, CHAT, ALICE, answer.message_id, "v:+:987654") == (
            "This answer is no longer available. Please ask your question again."
        )
        assert await press(stub, CHAT, ALICE, answer.message_id, "m:987654") == (
            "This answer is no longer available. Please ask your question again."
        )
        assert await press(stub, CHAT, ALICE, answer.message_id, "x:old-button") == (
            "This button no longer works. Please ask your question again."
        )


@pytest.mark.usefixtures("bot")
async def test_closest_passages_carry_buttons_and_more_continues_them_without_claiming_an_answer(stub):
    [reply] = await ask(stub, CHAT, ALICE, RELATED_QUESTION)
    assert reply.plain_text.startswith("The documents do not say this directly; the closest passages:")
    data = button_data(reply)
    assert set(data) == {"👍", "👎", "More excerpts"}
    assert await press(stub, CHAT, ALICE, reply.message_id, data["More excerpts"]) == "Here are more excerpts."
    [extra] = (await stub.wait_for_messages(2, chat_id=CHAT.id))[1:]
    assert extra.plain_text.startswith(f"More on “{RELATED_QUESTION}”")
    assert extra.blockquotes and not set(reply.blockquotes) & set(extra.blockquotes)
    assert f"[{len(reply.blockquotes) + 1}] " in extra.plain_text
    assert extra.texts_of("bold") == []  # nothing is marked as the answer
    assert await press(stub, CHAT, ALICE, reply.message_id, data["👍"]) == "Thanks! Your 👍 is noted."
