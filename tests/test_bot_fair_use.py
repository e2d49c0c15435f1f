"""Fair use: a per-user limit with a friendly notice, admins exempt, and a flood that slows no one else."""

from __future__ import annotations

import asyncio

import pytest

from citebot.bot.application import build_application, running
from tests.bot_support import ADMIN, ALICE, BOB, ON_TOPIC_QUESTION
from tests.botapi_stub import BotApiStub, Chat

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
    for _ in range(50):
        stub.push_text(ALICE_CHAT, ALICE, ON_TOPIC_QUESTION)
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
