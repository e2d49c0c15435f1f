"""Readers get the bot's fixed texts in their own language: from Telegram's language_code or /lang."""

from __future__ import annotations

import pytest

from tests.bot_support import (
    ADMIN,
    ALICE,
    BATAA,
    BOB,
    GROUP,
    MINJI,
    OFF_TOPIC_QUESTION,
    ON_TOPIC_QUESTION,
    RELATED_QUESTION_MN,
    WEI,
)
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
        assert stub.commands_for(None, language_code) == ["start", "help", "sources", "lang"]
        assert stub.commands_for({"type": "chat", "chat_id": ADMIN.id}, language_code)[-3:] == [
            "reindex",
            "stats",
            "remove",
        ]


async def test_a_reader_of_another_language_is_told_once_that_quotes_are_the_articles_words(stub, store):
    chat = Chat.private(BATAA)
    stub.push_text(chat, BATAA, ON_TOPIC_QUESTION)
    [first] = await stub.wait_for_messages(1)
    stub.push_text(chat, BATAA, ON_TOPIC_QUESTION)
    _, second = await stub.wait_for_messages(2)
    assert first.blockquotes and "өгүүллийн өөрийн үг" in first.plain_text and "хятад" in first.plain_text
    assert second.blockquotes and "өгүүллийн өөрийн үг" not in second.plain_text


async def test_a_reader_of_the_documents_language_is_not_told(stub):
    stub.push_text(Chat.private(WEI), WEI, ON_TOPIC_QUESTION)
    [reply] = await stub.wait_for_messages(1)
    assert reply.blockquotes and "原话" not in reply.plain_text


async def test_start_in_a_group_explains_how_to_ask_there(stub):
    asked = stub.push_text(GROUP, BATAA, "/start@citebot_test_bot")
    [mongolian] = await stub.wait_for_messages(1)
    stub.push_text(GROUP, ALICE, "/start")
    _, english = await stub.wait_for_messages(2)
    assert mongolian.reply_to_message_id == asked
    assert "/ask таны асуулт" in mongolian.plain_text and "нууцлалын горим" in mongolian.plain_text
    assert "/ask your question" in english.plain_text and "/ask@citebot_test_bot" in english.plain_text
    assert "only see commands and replies" in english.plain_text


async def test_help_in_a_group_explains_privacy_mode_and_in_private_it_does_not(stub):
    stub.push_text(GROUP, ALICE, "/help")
    [in_group] = await stub.wait_for_messages(1)
    stub.push_text(Chat.private(ALICE), ALICE, "/help")
    _, in_private = await stub.wait_for_messages(2)
    assert "privacy mode" in in_group.plain_text
    assert "privacy mode" not in in_private.plain_text


async def test_closest_passages_carry_the_verbatim_notice_too(stub):
    stub.push_text(Chat.private(BATAA), BATAA, RELATED_QUESTION_MN)
    [reply] = await stub.wait_for_messages(1)
    assert reply.plain_text.startswith("Баримт бичгүүдэд энэ талаар шууд дурдаагүй байна")
    assert reply.blockquotes and "өгүүллийн өөрийн үг" in reply.plain_text
