"""Readers get the bot's fixed texts in their own language: from Telegram's language_code or /lang."""

from __future__ import annotations

import pytest

from tests.bot_support import ADMIN, ALICE, BATAA, BOB, GROUP, MINJI, OFF_TOPIC_QUESTION, WEI
from tests.botapi_stub import BotApiStub, Chat

pytestmark = pytest.mark.usefixtures("bot")


@pytest.fixture(autouse=True)
def no_rejected_calls(stub: BotApiStub):
    yield
    assert stub.rejected == []


@pytest.mark.parametrize(
    "user, says",
    [
        (BATAA, "Сайн байна уу!"),
        (MINJI, "안녕하세요!"),
        (WEI, "你好！"),
        (ALICE, "Hello!"),
        (BOB, "Hello!"),
    ],
)
async def test_start_speaks_the_readers_telegram_language(stub, user, says):
    stub.push_text(Chat.private(user), user, "/start")
    [reply] = await stub.wait_for_messages(1)
    assert reply.plain_text.startswith(says)
    assert "/help" in reply.plain_text and "/sources" in reply.plain_text


async def test_a_mongolian_reader_gets_mongolian_help_and_sources(stub):
    chat = Chat.private(BATAA)
    stub.push_text(chat, BATAA, "/help")
    [help_reply] = await stub.wait_for_messages(1)
    stub.push_text(chat, BATAA, "/sources")
    _, sources = await stub.wait_for_messages(2)
    assert "Хэрхэн асуух вэ" in help_reply.plain_text and "Хувийн чатад" in help_reply.plain_text
    assert "/ask@citebot_test_bot" in help_reply.plain_text and "蒙古与朝鲜半岛" in help_reply.plain_text
    assert "Эх гарчиг: Mongolia and the Korean Peninsula" in sources.plain_text
    assert "Хэл: хятад (zh)" in sources.plain_text


async def test_a_decline_speaks_the_readers_language(stub):
    stub.push_text(Chat.private(MINJI), MINJI, OFF_TOPIC_QUESTION)
    [reply] = await stub.wait_for_messages(1)
    assert "찾지 못했습니다" in reply.plain_text and OFF_TOPIC_QUESTION in reply.plain_text


async def test_in_a_group_each_asker_is_answered_in_their_language(stub):
    stub.push_text(GROUP, BATAA, "/ask")
    [mongolian] = await stub.wait_for_messages(1)
    stub.push_text(GROUP, ALICE, "/ask")
    _, english = await stub.wait_for_messages(2)
    assert "Асуултаа командын ард бичнэ үү" in mongolian.plain_text
    assert "Put your question after the command" in english.plain_text


async def test_command_menus_carry_each_languages_descriptions(stub):
    def descriptions(scope: dict | None, language_code: str = "") -> list[str]:
        return [c["description"] for c in stub.commands_with_descriptions(scope, language_code)]

    private = {"type": "all_private_chats"}
    assert descriptions(private)[0] == "What this bot does"
    assert descriptions(private, "mn")[0] == "Энэ бот юу хийдэг вэ"
    assert descriptions(private, "zh")[0] == "这个机器人能做什么"
    assert descriptions(private, "ko")[0] == "이 봇이 하는 일"
    assert descriptions({"type": "all_group_chats"}, "mn")[0] == "Баримт бичгийн талаар асуух"
    for language_code in ("", "zh", "mn", "ko"):
        assert stub.commands_for(None, language_code) == ["start", "help", "sources"]
        assert stub.commands_for({"type": "chat", "chat_id": ADMIN.id}, language_code)[-1] == "reindex"
