"""Inline mode: `@botname question` in any chat offers excerpts, each ready to send with its citation."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from citebot.index.answering.answer import Answer

from . import formatting, replies
from .fair_use import FairUse
from .i18n import Translator
from .sending import NO_LINK_PREVIEW

logger = logging.getLogger(__name__)

MAX_RESULTS = 5
CACHE_SECONDS = 30
TITLE_CHARS = 64
DESCRIPTION_CHARS = 120

Texts = Callable[[object], Awaitable[Translator]]


def result_id(query: str, number: int) -> str:
    """Unique within one answer and at most 64 bytes, as Telegram requires."""
    return f"{hashlib.blake2s(query.encode('utf-8'), digest_size=12).hexdigest()}-{number}"


def excerpt_message(t: Translator, answer: Answer, number: int) -> str:
    excerpt = answer.excerpts[number]
    blocks: list[formatting.Block] = [
        (formatting.Span(answer.question, ("b",)),),
        (
            *formatting.quote_spans(excerpt.text.strip(), answer.text.strip())[0],
            formatting.Span("\n— "),
            formatting.Span(excerpt.citation(), ("i",)),
        ),
    ]
    return formatting.pack(blocks)[0]


def inline_results(t: Translator, query: str, answer: Answer) -> list[InlineQueryResultArticle]:
    """Up to MAX_RESULTS excerpts titled with the direct answer; one 'not answered' result otherwise."""
    if not answer.answered or not answer.excerpts:
        return [
            InlineQueryResultArticle(
                id=result_id(query, 0),
                title=replies.inline_no_answer_title(t),
                description=formatting.shorten(query, DESCRIPTION_CHARS),
                input_message_content=InputTextMessageContent(
                    replies.inline_no_answer_text(t, query),
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_LINK_PREVIEW,
                ),
            )
        ]
    title = formatting.shorten(answer.text or answer.excerpts[0].text, TITLE_CHARS)
    return [
        InlineQueryResultArticle(
            id=result_id(query, number),
            title=title,
            description=formatting.shorten(f"{excerpt.citation()} · {excerpt.text}", DESCRIPTION_CHARS),
            input_message_content=InputTextMessageContent(
                excerpt_message(t, answer, number), parse_mode=ParseMode.HTML, link_preview_options=NO_LINK_PREVIEW
            ),
        )
        for number, excerpt in enumerate(answer.excerpts[:MAX_RESULTS])
    ]


class InlineAnswers:
    """Answers inline queries; a user's newer query makes their older, still waiting ones moot."""

    def __init__(self, library, fair_use: FairUse, texts: Texts) -> None:
        self.library = library
        self.fair_use = fair_use
        self.texts = texts
        self._latest: dict[int, str] = {}

    async def on_query(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        inline = update.inline_query
        query = inline.query.strip()[: formatting.MAX_QUESTION_CHARS]
        user_id = inline.from_user.id
        self._latest[user_id] = inline.id
        try:
            results: Sequence[InlineQueryResultArticle] = []
            if query and any(char.isalnum() for char in query):
                async with self.fair_use.turn(user_id):
                    if self._latest.get(user_id) == inline.id:
                        results = await self.results(update, query)
            await inline.answer(results, cache_time=CACHE_SECONDS, is_personal=False)
        except TelegramError as error:
            logger.info("Could not answer an inline query: %s", error)
        finally:
            if self._latest.get(user_id) == inline.id:
                del self._latest[user_id]

    async def results(self, update: Update, query: str) -> list[InlineQueryResultArticle]:
        t = await self.texts(update)
        answer = await asyncio.to_thread(functools.partial(self.library.answer, query, k=MAX_RESULTS))
        return inline_results(t, query, answer)
