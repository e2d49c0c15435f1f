"""Inline mode: `@bot question` offers excerpts with citations, ready to send."""

from __future__ import annotations

import pytest

from citebot.bot.formatting import shorten
from tests.bot_support import ALICE, OFF_TOPIC_QUESTION, ON_TOPIC_QUESTION
from tests.botapi_stub import BotApiStub
from tests.telegram_html import parse_html

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
