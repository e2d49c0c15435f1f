"""A person talking to the bot in a private chat, through the real Application and HTTP."""

from __future__ import annotations

import pytest

from citebot.bot import i18n
from citebot.bot.formatting import MAX_MESSAGE_UTF16, render_answer, shown_excerpts, utf16_len
from tests.bot_support import (
    ALICE,
    BATAA,
    LONG_ANSWER_QUESTION,
    OFF_TOPIC_QUESTION,
    ON_TOPIC_QUESTION,
    RELATED_QUESTION,
    RELATED_QUESTION_MN,
)
from tests.botapi_stub import BotApiStub, Chat

pytestmark = pytest.mark.usefixtures("bot")

CHAT = Chat.private(ALICE)


@pytest.fixture(autouse=True)
def no_rejected_calls(stub: BotApiStub):
    yield
    assert stub.rejected == []


async def test_question_is_answered_with_quoted_cited_excerpts(stub, store, library):
    expected = library.answer(ON_TOPIC_QUESTION)
    stub.push_text(CHAT, ALICE, ON_TOPIC_QUESTION)
    [reply] = await stub.wait_for_messages(1)
    assert reply.chat_id == CHAT.id and reply.parse_mode == "HTML"
    assert "召回了驻蒙古大使" in expected.text
    assert reply.plain_text.count(expected.text) == 1 and reply.texts_of("bold") == [expected.text]
    assert 1 <= len(reply.blockquotes) <= 3
    assert any(expected.text in quote for quote in reply.blockquotes)
    assert "[1] 蒙古与朝鲜半岛 (Test Gazette, 2025-11-04) — § 叛逃危机, ¶ 2" in reply.plain_text
    assert reply.plain_text.count("蒙古与朝鲜半岛") == 1
    [logged] = await store.recent(5)
    assert (logged.question, logged.chat_type, logged.user_language) == (ON_TOPIC_QUESTION, "private", "en")
    assert logged.answered and len(logged.cited_chunk_ids) == len(reply.blockquotes)
    assert logged.citations[0] == "mongolia#2"
    assert logged.latency_ms >= 0


async def test_off_topic_question_is_declined_without_quotes(stub, store):
    stub.push_text(CHAT, ALICE, OFF_TOPIC_QUESTION)
    [reply] = await stub.wait_for_messages(1)
    assert reply.blockquotes == []
    assert "couldn't find" in reply.plain_text and OFF_TOPIC_QUESTION in reply.plain_text
    [logged] = await store.recent(5)
    assert (logged.answered, logged.cited_chunk_ids) == (False, ())


async def test_question_the_documents_touch_but_do_not_answer_gets_the_closest_passages(stub, store):
    stub.push_text(CHAT, ALICE, RELATED_QUESTION)
    [reply] = await stub.wait_for_messages(1)
    assert reply.plain_text.startswith("The documents do not say this directly; the closest passages:")
    assert 1 <= len(reply.blockquotes) <= 3 and any("译员" in quote for quote in reply.blockquotes)
    assert "§ 叛逃危机" in reply.plain_text and reply.texts_of("bold") == []
    [logged] = await store.recent(5)
    assert not logged.answered and logged.cited_chunk_ids


async def test_closest_passages_are_introduced_in_the_readers_language(stub):
    stub.push_text(Chat.private(BATAA), BATAA, RELATED_QUESTION_MN)
    [reply] = await stub.wait_for_messages(1)
    assert reply.plain_text.startswith("Баримт бичгүүдэд энэ талаар шууд дурдаагүй байна")
    assert reply.blockquotes


async def test_markup_in_a_question_is_answered_and_shown_escaped(stub, store):
    stub.push_text(CHAT, ALICE, "<b>&")
    [reply] = await stub.wait_for_messages(1)
    assert "<b>&" in reply.plain_text
    assert [q.question for q in await store.recent(5)] == ["<b>&"]


async def test_long_answer_arrives_as_several_valid_messages(stub, library):
    expected = library.answer(LONG_ANSWER_QUESTION)
    shown = shown_excerpts(expected.excerpts)
    assert sum(len(e.text) for e in shown) > MAX_MESSAGE_UTF16
    stub.push_text(CHAT, ALICE, LONG_ANSWER_QUESTION)
    parts = await stub.wait_for_messages(len(render_answer(i18n.translator(i18n.ENGLISH), expected)))
    assert len(parts) >= 2
    assert all(utf16_len(part.text) <= MAX_MESSAGE_UTF16 for part in parts)
    quoted = "".join(quote for part in parts for quote in part.blockquotes)
    for excerpt in shown:
        assert excerpt.text in quoted
    assert sum(part.plain_text.count("戈壁牧民的四季") for part in parts) == 1
    assert [e["url"] for part in parts for e in part.entities if e["type"] == "text_link"] == [
        "https://example.org/gobi-herders"
    ]
    assert any(part.expandable_blockquotes for part in parts)


async def test_flood_limited_answer_is_retried_and_arrives(stub):
    stub.flood_next(1, retry_after=1)
    stub.push_text(CHAT, ALICE, ON_TOPIC_QUESTION)
    [reply] = await stub.wait_for_messages(1)
    assert reply.blockquotes
    assert [c.status for c in stub.calls_to("sendMessage")] == [429, 200]


@pytest.mark.parametrize("push", [BotApiStub.push_sticker, BotApiStub.push_photo])
async def test_stickers_and_photos_get_asked_for_text(stub, store, push):
    push(stub, CHAT, ALICE)
    [reply] = await stub.wait_for_messages(1)
    assert "only read text" in reply.plain_text
    assert await store.count() == 0


@pytest.mark.parametrize("text", ["   ", "？？？"])
async def test_empty_question_gets_a_hint(stub, store, text):
    stub.push_text(CHAT, ALICE, text)
    [reply] = await stub.wait_for_messages(1)
    assert "question is empty" in reply.plain_text
    assert await store.count() == 0


async def test_over_long_question_is_refused_with_the_limit(stub, store):
    stub.push_text(CHAT, ALICE, "蒙古" * 3000)
    [reply] = await stub.wait_for_messages(1)
    assert "6000 characters" in reply.plain_text and "1000" in reply.plain_text
    assert reply.blockquotes == []
    assert await store.count() == 0


async def test_start_introduces_the_bot(stub):
    stub.push_text(CHAT, ALICE, "/start")
    [reply] = await stub.wait_for_messages(1)
    assert "answer questions" in reply.plain_text and "/help" in reply.plain_text


async def test_help_lists_the_documents_and_how_to_ask(stub):
    stub.push_text(CHAT, ALICE, "/help")
    [reply] = await stub.wait_for_messages(1)
    for expected in (
        "蒙古与朝鲜半岛",
        "Mongolia and the Korean Peninsula",
        "戈壁牧民的四季",
        "private chat",
        "/ask@citebot_test_bot",
    ):
        assert expected in reply.plain_text


async def test_sources_give_each_documents_details(stub):
    stub.push_text(CHAT, ALICE, "/sources")
    [reply] = await stub.wait_for_messages(1)
    for expected in (
        "1. 戈壁牧民的四季",
        "2. 蒙古与朝鲜半岛",
        "Original title: Mongolia and the Korean Peninsula",
        "Publication: Test Gazette",
        "Date: 2025-11-04",
        "Language: Chinese (zh)",
        "Source: Written for the citebot tests",
    ):
        assert expected in reply.plain_text


async def test_unknown_command_points_to_help(stub, store):
    stub.push_text(CHAT, ALICE, "/frobnicate now")
    [reply] = await stub.wait_for_messages(1)
    assert "/help" in reply.plain_text
    assert await store.count() == 0


async def test_ask_command_also_works_in_private(stub):
    stub.push_text(CHAT, ALICE, f"/ask {ON_TOPIC_QUESTION}")
    [reply] = await stub.wait_for_messages(1)
    assert reply.blockquotes and reply.reply_to_message_id is None


async def test_a_question_can_be_limited_to_one_document(stub, store):
    stub.push_text(CHAT, ALICE, f"#mongolia {ON_TOPIC_QUESTION}")
    [limited_to_it] = await stub.wait_for_messages(1)
    stub.push_text(CHAT, ALICE, f"#gobi {ON_TOPIC_QUESTION}")
    _, limited_elsewhere = await stub.wait_for_messages(2)
    stub.push_text(CHAT, ALICE, f"#nope {ON_TOPIC_QUESTION}")
    *_, unknown = await stub.wait_for_messages(3)
    assert any("召回了驻蒙古大使" in quote for quote in limited_to_it.blockquotes)
    assert not any("召回" in quote for quote in limited_elsewhere.blockquotes)
    assert "I have no document #nope. Documents: #gobi, #mongolia." in unknown.plain_text
    [first, *_] = await store.recent(5)
    assert first.question == ON_TOPIC_QUESTION


async def test_sources_say_how_to_ask_one_document(stub):
    stub.push_text(CHAT, ALICE, "/sources")
    [reply] = await stub.wait_for_messages(1)
    assert "To ask only this one, start with #mongolia" in reply.plain_text
