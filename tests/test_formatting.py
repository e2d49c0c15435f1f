from __future__ import annotations

import re
from dataclasses import replace

import pytest

from citebot.bot import formatting, i18n, replies
from citebot.bot.formatting import MAX_MESSAGE_UTF16, Span, pack, render_answer, split_sentences, utf16_len
from citebot.bot.inline import excerpt_message
from citebot.index.answering.answer import Answer, Excerpt
from citebot.index.corpus.documents import DocumentInfo
from tests.telegram_html import parse_html

EN = i18n.translator(i18n.ENGLISH)

DOC = DocumentInfo(
    id="mongolia",
    title="蒙古的逃亡者困境",
    original_title="Mongolia's Defector Dilemma",
    publication="The Diplomat",
    date="2025-11-04",
    language="zh",
    source="https://example.org/a",
    chunks=12,
)


def parsed(message: str):
    assert utf16_len(message) <= MAX_MESSAGE_UTF16
    return parse_html(message)


def excerpt(text: str, chunk_id: int = 0, section: str = "叛逃危机", paragraph: int = 2, score: float = 0.8) -> Excerpt:
    return Excerpt(
        text=text,
        doc="mongolia",
        doc_title=DOC.title,
        section=section,
        paragraph=paragraph,
        score=score,
        chunk_id=chunk_id,
        byline=DOC.byline,
    )


def entity_texts(result, *kinds: str) -> list[str]:
    units = result.text.encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in result.entities
        if e["type"] in kinds
    ]


RECALL = Answer(
    "朝鲜为什么召回大使？",
    True,
    "朝鲜召回了驻蒙古大使。",
    (
        excerpt("一名朝鲜译员叛逃。朝鲜召回了驻蒙古大使。", chunk_id=4),
        excerpt("蒙古保持中立。", chunk_id=1, section="中立桥梁", paragraph=1, score=0.78),
    ),
)


def test_the_direct_answer_is_shown_once_in_bold_inside_its_quote():
    [message] = render_answer(EN, RECALL, {"mongolia": DOC})
    result = parsed(message)
    assert result.text.count("朝鲜召回了驻蒙古大使。") == 1
    assert entity_texts(result, "blockquote") == ["一名朝鲜译员叛逃。朝鲜召回了驻蒙古大使。", "蒙古保持中立。"]
    [bold] = [e for e in result.entities if e["type"] == "bold"]
    [first_quote] = [e for e in result.entities if e["type"] == "blockquote"][:1]
    assert entity_texts(result, "bold") == ["朝鲜召回了驻蒙古大使。"]
    assert first_quote["offset"] <= bold["offset"] < first_quote["offset"] + first_quote["length"]


def test_the_document_is_named_once_and_linked_to_its_source():
    [message] = render_answer(EN, RECALL, {"mongolia": DOC})
    result = parsed(message)
    assert result.text.count(DOC.title) == 1
    assert "[1] 蒙古的逃亡者困境 (The Diplomat, 2025-11-04) — § 叛逃危机, ¶ 2" in result.text
    assert "[2] § 中立桥梁, ¶ 1" in result.text
    [link] = [e for e in result.entities if e["type"] == "text_link"]
    assert link["url"] == "https://example.org/a" and entity_texts(result, "text_link") == [DOC.title]


def test_a_source_that_is_not_a_web_address_is_not_linked():
    unlinked = replace(DOC, source="Written for the tests")
    [message] = render_answer(EN, RECALL, {"mongolia": unlinked})
    assert "<a " not in message and DOC.title in parsed(message).text


def test_a_direct_answer_not_found_in_any_quote_comes_first_on_its_own():
    answer = replace(RECALL, text="蒙古必须保持平衡。")
    [message] = render_answer(EN, answer)
    result = parsed(message)
    assert result.text.startswith("蒙古必须保持平衡。") and entity_texts(result, "bold") == []


def test_weaker_excerpts_are_left_out_unless_close_to_the_best():
    best = excerpt("朝鲜召回了驻蒙古大使。", chunk_id=1)
    close = excerpt("蒙古保持中立。", chunk_id=2, paragraph=5, score=best.score - formatting.CLOSE_SCORE_MARGIN / 2)
    far = excerpt("电影引发了争议。", chunk_id=3, paragraph=9, score=best.score - 2 * formatting.CLOSE_SCORE_MARGIN)
    [message] = render_answer(EN, Answer("q", True, "朝鲜召回了驻蒙古大使。", (best, close, far)))
    quotes = entity_texts(parsed(message), "blockquote", "expandable_blockquote")
    assert quotes == ["朝鲜召回了驻蒙古大使。", "蒙古保持中立。"]


def test_long_quotes_fold_unless_the_fold_would_hide_the_direct_answer():
    long_paragraph = "蒙古试图在朝鲜和韩国之间保持中立桥梁的地位。" * 12
    answer_at_start = "蒙古试图在朝鲜和韩国之间保持中立桥梁的地位。"
    deep = long_paragraph + "朝鲜召回了驻蒙古大使。"
    other = excerpt(long_paragraph, chunk_id=2, paragraph=3)
    [folded] = render_answer(EN, Answer("q", True, answer_at_start, (excerpt(long_paragraph), other)))
    assert len(entity_texts(parsed(folded), "expandable_blockquote")) == 2
    assert "<blockquote expandable>" in folded
    [unfolded] = render_answer(EN, Answer("q", True, "朝鲜召回了驻蒙古大使。", (excerpt(deep), other)))
    result = parsed(unfolded)
    assert entity_texts(result, "blockquote") == [deep]
    assert entity_texts(result, "expandable_blockquote") == [long_paragraph]
    [short] = render_answer(EN, RECALL)
    assert "expandable" not in short


def test_the_verbatim_note_speaks_the_readers_language_and_names_the_documents():
    mongolian = i18n.translator("mn")
    assert formatting.needs_verbatim_note(mongolian, RECALL, {"mongolia": DOC})
    assert not formatting.needs_verbatim_note(i18n.translator("zh_Hans"), RECALL, {"mongolia": DOC})
    [message] = render_answer(mongolian, RECALL, {"mongolia": DOC}, verbatim_note=True)
    assert "хятад" in parsed(message).text
    [without] = render_answer(mongolian, RECALL, {"mongolia": DOC})
    assert "хятад" not in parsed(without).text


def test_citation_names_the_publication_and_date_when_known():
    cited = excerpt("朝鲜召回了驻蒙古大使。")
    assert cited.citation() == "蒙古的逃亡者困境 (The Diplomat, 2025-11-04) — § 叛逃危机, ¶ 2"


def test_at_most_three_excerpts_are_shown():
    answer = Answer("q", True, "A.", tuple(excerpt(f"Excerpt {n}.", chunk_id=n) for n in range(5)))
    [message] = render_answer(EN, answer)
    assert message.count("<blockquote>") == 3
    assert "Excerpt 3." not in message


@pytest.mark.parametrize(
    "locale, question, says",
    [
        ("zh_Hans", "今天乌兰巴托的天气怎么样?", "没有找到"),
        ("ko", "오늘 서울 날씨 어때요?", "찾지 못했습니다"),
        ("mn", "Маргааш цаг агаар ямар байх вэ?", "олсонгүй"),
    ],
)
def test_decline_speaks_the_readers_language(locale, question, says):
    [message] = render_answer(i18n.translator(locale), Answer(question, False))
    assert says in parsed(message).text and question in parsed(message).text


@pytest.mark.parametrize(
    "locale, question, says",
    [
        ("en", "What was the interpreter called?", "do not say this directly"),
        ("zh_Hans", "叛逃的译员叫什么名字?", "没有直接说明"),
        ("ko", "망명한 통역사의 이름은 무엇인가요?", "직접적인 언급은 없습니다"),
        ("mn", "Оргосон орчуулагчийн нэр хэн бэ?", "шууд дурдаагүй"),
    ],
)
def test_related_reply_says_so_in_the_readers_language_then_quotes_the_closest_passages(locale, question, says):
    passage = "一名随行译员前往韩国驻乌兰巴托大使馆寻求庇护。"
    [message] = render_answer(i18n.translator(locale), Answer.related(question, (excerpt(passage),)))
    result = parsed(message)
    assert says in result.text.split("\n")[0]
    assert f"<blockquote>{passage}</blockquote>" in message
    assert "[1] 蒙古的逃亡者困境 (The Diplomat, 2025-11-04) — § 叛逃危机, ¶ 2" in result.text


def test_declined_answer_has_no_quotes_and_names_the_question():
    [message] = render_answer(EN, Answer("How do I bake bread?", False))
    result = parsed(message)
    assert "<blockquote>" not in message
    assert "couldn't find" in result.text
    assert "How do I bake bread?" in result.text


def test_markup_characters_in_every_field_are_escaped():
    nasty = "<b>AT&T</b> & <script>"
    answer = Answer(nasty, True, nasty, (Excerpt(nasty, "d", nasty, nasty, 1, 0.5, 0),))
    [message] = render_answer(EN, answer)
    assert parsed(message).text.count(nasty) == 3  # the answer (bold, inside its quote), title, section
    [decline] = render_answer(EN, Answer(nasty, False))
    assert nasty in parsed(decline).text


def test_sentences_split_after_chinese_and_latin_punctuation_and_join_back():
    text = "蒙古保持中立。真的吗？是的！It costs 3.5 dollars. Really?! “Yes.” Done"
    sentences = split_sentences(text)
    assert "".join(sentences) == text
    assert sentences[:3] == ["蒙古保持中立。", "真的吗？", "是的！"]
    assert "It costs 3.5 dollars. " in sentences


def test_long_answer_is_split_at_sentence_ends_into_valid_messages():
    sentence = "蒙古试图在朝鲜和韩国之间保持中立桥梁的地位，必须找到平衡理想主义与实用主义的路径。"
    long_text = sentence * 150
    answer = Answer("q", True, long_text, tuple(excerpt(long_text, chunk_id=n) for n in range(3)))
    messages = render_answer(EN, answer)
    assert len(messages) >= 4
    texts = [parsed(m).text for m in messages]
    assert all(t.rstrip().endswith("。") or re.search(r"¶ \d+$", t.rstrip()) for t in texts)
    assert "".join(texts).count(sentence) == 3 * 150  # the answer is marked inside the first quote


def test_a_sentence_longer_than_a_message_is_cut_between_escaped_characters():
    messages = pack([(Span("<&>" * 3000, ("blockquote",)),)])
    assert len(messages) >= 3
    assert "".join(parsed(m).text for m in messages) == "<&>" * 3000
    assert all(m.startswith("<blockquote>") and m.endswith("</blockquote>") for m in messages)


def test_limit_counts_utf16_units_so_astral_characters_count_twice():
    messages = pack([(Span("😀" * 3000),)])
    assert len(messages) == 2
    assert all(utf16_len(parsed(m).text) <= MAX_MESSAGE_UTF16 for m in messages)


def test_short_blocks_share_one_message():
    assert pack([(Span("a"),), (Span("b", ("b",)),)]) == ["a\n\n<b>b</b>"]


def test_sources_list_every_detail_of_each_document():
    [message] = formatting.sources_messages(EN, [DOC, DocumentInfo(id="x", title="Second <doc>")])
    text = parsed(message).text
    for value in (DOC.title, DOC.original_title, DOC.publication, DOC.date, "Chinese (zh)", DOC.source):
        assert value in text
    assert "2. Second <doc>" in text


def test_help_lists_documents_and_how_to_ask_in_private_and_groups():
    [message] = formatting.help_messages(EN, [DOC], "citebot_test_bot")
    text = parsed(message).text
    assert DOC.title in text and DOC.original_title in text
    assert "private chat" in text and "/ask your question" in text and "/ask@citebot_test_bot" in text


def test_too_long_question_reply_says_the_limit():
    text = parsed(formatting.too_long_question_text(EN, 6000)).text
    assert "6000" in text and str(formatting.MAX_QUESTION_CHARS) in text


def test_the_end_of_a_rebuild_reports_the_generation_and_counts():
    text = parsed(replies.progress_done(EN, "20261127T104501Z-1a2b", 1, 17, 3.25)).text
    assert text == "The new index is live: generation 20261127T104501Z-1a2b, 1 document, 17 chunks, built in 3.2 s."


@pytest.mark.parametrize(
    "name",
    [
        "start_text",
        "ask_usage_text",
        "empty_question_text",
        "non_text_text",
        "unknown_command_text",
        "error_text",
        "reindex_refused_text",
        "reindex_running_text",
        "reindex_failed_text",
    ],
)
def test_fixed_replies_are_valid_telegram_html(name: str):
    assert parsed(getattr(formatting, name)(EN)).text.strip()


def test_spans_sharing_a_quote_stay_in_one_quote():
    block = (Span("a", ("blockquote",)), Span("b", ("blockquote", "b")), Span("c", ("blockquote",)), Span(" d"))
    assert pack([block]) == ["<blockquote>a<b>b</b>c</blockquote> d"]


@pytest.mark.parametrize("answered", [True, False])
def test_an_inline_result_too_long_for_one_message_keeps_its_citation(answered):
    """A tapped inline result is one message: a long excerpt is cut short, never its citation."""
    sentence = "蒙古在朝鲜和韩国之间保持中立，这是一个很长的句子，"
    excerpt = Excerpt(sentence * 300 + "结束。", "mongolia", "蒙古与朝鲜半岛", "叛逃危机", 2, 1.0, 0, "Test Gazette")
    answer = Answer(
        "朝鲜为什么召回大使？", answered, sentence if answered else "", (excerpt,), "" if answered else "related"
    )
    message = excerpt_message(i18n.translator(i18n.ENGLISH), answer, 0)
    assert utf16_len(message) <= MAX_MESSAGE_UTF16
    parsed = parse_html(message)
    assert excerpt.citation() in parsed.text and "…" in parsed.text
    assert parsed.text.startswith("朝鲜为什么召回大使？")
