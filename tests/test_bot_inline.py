"""Inline mode: `@bot question` offers excerpts with citations, ready to send."""

from __future__ import annotations

import pytest

from citebot.bot.formatting import shorten
from tests.bot_support import ALICE, BATAA, OFF_TOPIC_QUESTION, ON_TOPIC_QUESTION, RELATED_QUESTION, RELATED_QUESTION_MN
from tests.botapi_stub import BotApiStub
from tests.telegram_html import ParsedHtml, parse_html

pytestmark = pytest.mark.usefixtures("bot")


@pytest.fixture(autouse=True)
def no_rejected_calls(stub: BotApiStub):
    yield
    assert stub.rejected == []


async def test_a_question_offers_excerpts_titled_with_the_direct_answer(stub, library):
    expected = library.answer(ON_TOPIC_QUESTION, k=5)
    answer = await stub.wait_for_inline_answer(stub.push_inline_query(ALICE, ON_TOPIC_QUESTION))
    assert 1 <= len(answer.results) <= 5
    assert answer.cache_time is not None and answer.cache_time <= 60
    assert {r["title"] for r in answer.results} == {shorten(expected.text, 64)}
    first = parse_html(answer.results[0]["input_message_content"]["message_text"])
    assert "召回了驻蒙古大使" in first.text
    assert "蒙古与朝鲜半岛 (Test Gazette, 2025-11-04) — § 叛逃危机, ¶ 2" in first.text
    assert any(e["type"] == "blockquote" for e in first.entities)


async def test_an_off_topic_query_offers_one_result_saying_so(stub):
    answer = await stub.wait_for_inline_answer(stub.push_inline_query(ALICE, OFF_TOPIC_QUESTION))
    [result] = answer.results
    assert result["title"] == "The documents don't answer this"
    assert OFF_TOPIC_QUESTION in parse_html(result["input_message_content"]["message_text"]).text


@pytest.mark.parametrize("query", ["", "   ", "?!"])
async def test_an_empty_query_offers_nothing(stub, query):
    answer = await stub.wait_for_inline_answer(stub.push_inline_query(ALICE, query))
    assert answer.results == []


CLOSEST = "The documents do not say this directly; the closest passages"


def bold_texts(parsed: ParsedHtml) -> list[str]:
    units = parsed.text.encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in parsed.entities
        if e["type"] == "bold"
    ]


async def test_a_related_query_offers_the_closest_passages_not_an_answer(stub):
    answer = await stub.wait_for_inline_answer(stub.push_inline_query(ALICE, RELATED_QUESTION))
    assert answer.results and {r["title"] for r in answer.results} == {CLOSEST}
    sent = [parse_html(r["input_message_content"]["message_text"]) for r in answer.results]
    first = sent[0]
    assert first.text.startswith(f"{RELATED_QUESTION}\n\n{CLOSEST}:")
    assert "译员" in first.text and "§ 叛逃危机, ¶ 2" in first.text
    # Nothing in the quotes is marked as the answer: the only bold text is the question.
    assert all(bold_texts(message) == [RELATED_QUESTION] for message in sent)


async def test_closest_passages_are_titled_in_the_readers_language(stub):
    answer = await stub.wait_for_inline_answer(stub.push_inline_query(BATAA, RELATED_QUESTION_MN))
    assert answer.results
    assert {r["title"] for r in answer.results} == {
        "Баримт бичгүүдэд энэ талаар шууд дурдаагүй байна; хамгийн ойр хэсгүүд"
    }
