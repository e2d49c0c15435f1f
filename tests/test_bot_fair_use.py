"""Fair use: a per-user limit with a friendly notice, admins exempt, and a flood that slows no one else."""

from __future__ import annotations

import asyncio

import pytest

from citebot.bot.application import build_application, running
from tests.bot_support import ADMIN, ALICE, BATAA, BOB, ON_TOPIC_QUESTION
from tests.botapi_stub import BotApiStub, Chat
from tests.telegram_html import parse_html

ALICE_CHAT, BOB_CHAT, ADMIN_CHAT = Chat.private(ALICE), Chat.private(BOB), Chat.private(ADMIN)
QUIET_SECONDS = 0.5


@pytest.fixture(autouse=True)
def no_rejected_calls(stub: BotApiStub):
    yield
    assert stub.rejected == []


@pytest.fixture
async def limited_bot(stub, settings, library, store):
    limited = settings.model_copy(update={"user_rate_limit": 2})
    async with running(build_application(limited, library, store), poll_timeout=1) as application:
        yield application


@pytest.mark.usefixtures("limited_bot")
async def test_questions_over_the_limit_get_one_notice_saying_when_to_retry(stub, store):
    for _ in range(5):
        stub.push_text(ALICE_CHAT, ALICE, ON_TOPIC_QUESTION)
    await stub.wait_for_messages(3, chat_id=ALICE.id)
    await stub.wait_until_fetched(stub.last_update_id())
    await asyncio.sleep(QUIET_SECONDS)
    sent = stub.sent_to(ALICE.id)
    answers = [m for m in sent if m.blockquotes]
    [notice] = [m for m in sent if not m.blockquotes]
    assert len(answers) == 2 and len(sent) == 3
    assert "up to 2 questions a minute" in notice.plain_text
    assert "Please try again in" in notice.plain_text and "seconds." in notice.plain_text
    assert await store.count() == 2


@pytest.mark.usefixtures("limited_bot")
async def test_admins_are_not_limited(stub):
    for _ in range(4):
        stub.push_text(ADMIN_CHAT, ADMIN, ON_TOPIC_QUESTION)
    sent = await stub.wait_for_messages(4, chat_id=ADMIN.id, timeout=30)
    assert all(m.blockquotes for m in sent)


@pytest.mark.usefixtures("bot")
async def test_a_flood_from_one_user_does_not_hold_up_another(stub):
    for n in range(50):  # each a new question, so none is answered from the cache
        stub.push_text(ALICE_CHAT, ALICE, f"{ON_TOPIC_QUESTION} ({n + 1})")
    stub.push_text(BOB_CHAT, BOB, ON_TOPIC_QUESTION)
    [bob_answer] = await stub.wait_for_messages(1, chat_id=BOB.id, timeout=30)
    alice_before_bob = [m for m in stub.sent_to(ALICE.id) if m.blockquotes]
    assert bob_answer.blockquotes
    # Alice's questions go to the model one at a time: Bob waits for at most her current one or two.
    assert len(alice_before_bob) <= 3
    await stub.wait_for_messages(11, chat_id=ALICE.id, timeout=60)
    await stub.wait_until_fetched(stub.last_update_id())
    await asyncio.sleep(QUIET_SECONDS)
    alice = stub.sent_to(ALICE.id)
    assert len([m for m in alice if m.blockquotes]) == 10
    assert len([m for m in alice if not m.blockquotes]) == 1


async def ask_inline(stub: BotApiStub, user, query: str = ON_TOPIC_QUESTION):
    return await stub.wait_for_inline_answer(stub.push_inline_query(user, query), timeout=30)


def offers_excerpts(answer) -> bool:
    """Every result is a quoted excerpt (what a tap would send)."""
    sent = [parse_html(r["input_message_content"]["message_text"]) for r in answer.results]
    return bool(sent) and all(
        any(e["type"] in ("blockquote", "expandable_blockquote") for e in message.entities) for message in sent
    )


@pytest.mark.usefixtures("limited_bot")
async def test_inline_queries_count_against_the_same_limit_as_questions(stub):
    for _ in range(2):
        assert offers_excerpts(await ask_inline(stub, ALICE))
    limited = await ask_inline(stub, ALICE)
    [result] = limited.results
    assert result["title"].startswith("Too many questions. Try again in ") and result["title"].endswith(" seconds.")
    assert "up to 2 questions a minute" in parse_html(result["input_message_content"]["message_text"]).text
    assert limited.is_personal and not limited.cache_time  # no one else is shown this result
    # The chat question that follows is over the same limit; the inline result did not use up its notice.
    stub.push_text(ALICE_CHAT, ALICE, ON_TOPIC_QUESTION)
    [notice] = await stub.wait_for_messages(1, chat_id=ALICE.id)
    assert not notice.blockquotes and "up to 2 questions a minute" in notice.plain_text


@pytest.mark.usefixtures("limited_bot")
async def test_the_inline_limit_speaks_the_readers_language(stub):
    for _ in range(2):
        stub.push_text(Chat.private(BATAA), BATAA, ON_TOPIC_QUESTION)
    await stub.wait_for_messages(2, chat_id=BATAA.id, timeout=30)
    [result] = (await ask_inline(stub, BATAA)).results
    assert result["title"].startswith("Асуулт хэт олон байна.") and "секундийн дараа" in result["title"]


@pytest.mark.usefixtures("limited_bot")
async def test_admins_are_not_limited_inline(stub):
    for _ in range(4):
        assert offers_excerpts(await ask_inline(stub, ADMIN))
