"""Hostile text through the answer formatting: whatever comes in, what goes out is sendable and
hides nothing (Hypothesis)."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citebot.bot import formatting, i18n
from citebot.index.answering.answer import Answer, Excerpt
from citebot.index.corpus.documents import DocumentInfo
from tests.telegram_html import parse_html, utf16_len

TRANSLATORS = [i18n.translator(locale) for locale in (i18n.ENGLISH, *i18n.TRANSLATED_LOCALES)]
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
HOSTILE = st.sampled_from(["<b>", "</b>", "&", "&amp;", "<", ">", "\n", "。", ". ", "😀", "\u202e", "\u2067", "\ufeff"])
# Any Unicode (but lone surrogates, which Telegram's JSON cannot carry), salted with markup, bidi
# controls and sentence ends, sometimes repeated far past one message.
TEXT = st.builds(
    lambda parts, times: "".join(parts) * times,
    st.lists(st.one_of(st.text(st.characters(exclude_categories=["Cs"]), max_size=40), HOSTILE), max_size=12),
    st.sampled_from([1, 1, 1, 3, 40, 400]),
)
EXCERPTS = st.lists(
    st.builds(
        Excerpt,
        text=TEXT,
        doc=st.text(max_size=30),
        doc_title=TEXT,
        section=TEXT,
        paragraph=st.integers(0, 10**6),
        score=st.floats(0, 1),
        chunk_id=st.integers(0, 10**6),
        byline=TEXT,
    ),
    max_size=4,
)
PROPERTIES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_sendable(messages: list[str]) -> None:
    """What Telegram takes: valid HTML, 1 to 4096 UTF-16 units of text, and no invisible controls."""
    assert messages
    for message in messages:
        parsed = parse_html(message)
        assert parsed.text.strip(), message
        assert utf16_len(parsed.text) <= formatting.MAX_MESSAGE_UTF16
        assert not any(char in BIDI or char == "\ufeff" for char in parsed.text)
        assert all(unicodedata.category(c) != "Cf" or c in "\u200c\u200d" or c >= "\U000e0000" for c in parsed.text)


@PROPERTIES
@given(st.sampled_from(TRANSLATORS), TEXT, st.booleans(), TEXT, EXCERPTS)
def test_any_answer_renders_as_sendable_messages(t, question, answered, text, excerpts):
    assert_sendable(formatting.render_answer(t, Answer(question, answered, text, tuple(excerpts))))


@PROPERTIES
@given(st.sampled_from(TRANSLATORS), TEXT)
def test_a_declined_question_is_echoed_without_its_controls(t, question):
    [first, *_] = formatting.render_answer(t, Answer(question, answered=False))
    assert_sendable([first])


@PROPERTIES
@given(
    st.sampled_from(TRANSLATORS),
    st.lists(
        st.builds(
            DocumentInfo,
            id=st.text(max_size=40),
            title=TEXT,
            original_title=TEXT,
            publication=TEXT,
            date=st.text(max_size=20),
            language=st.text(max_size=8),
            source=TEXT,
            chunks=st.integers(0, 10**5),
        ),
        min_size=1,
        max_size=4,
    ),
    st.text(max_size=40),
)
def test_document_lists_are_sendable_whatever_the_titles(t, documents, doc_id):
    assert_sendable(formatting.help_messages(t, documents, "citebot_test_bot"))
    assert_sendable(formatting.sources_messages(t, documents))
    assert_sendable([formatting.unknown_document_text(t, doc_id, [d.id for d in documents])])


def test_a_right_to_left_override_is_not_echoed_back():
    en = i18n.translator(i18n.ENGLISH)
    [decline, *_] = formatting.render_answer(en, Answer("why\u202e?kcatta", answered=False))
    assert "\u202e" not in decline and "why?kcatta" in parse_html(decline).text
