"""Inline mode: `@botname question` in any chat offers excerpts, each ready to send with its citation.

Inline queries count against the same per-user fair-use limit as questions in chats (admins exempt)."""

from __future__ import annotations

import asyncio
import contextlib
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
    """What a tapped result sends: the question, then the excerpt (the direct answer in bold inside
    it), cited; passages that do not clearly answer it are introduced as the closest ones.

    A result is one message: an excerpt too long for one is cut short (its beginning, verbatim,
    then "…") so that its citation is always sent with it."""
    excerpt = answer.excerpts[number]
    head: list[formatting.Block] = [(formatting.Span(answer.question, ("b",)),)]
    if not answer.answered:
        head.append((formatting.Span(formatting.closest_passages_text(t)),))
    direct = answer.text.strip() if answer.answered else ""
    text = excerpt.text.strip()
    while True:
        quoted = (
            *formatting.quote_spans(text, direct)[0],
            formatting.Span("\n— "),
            formatting.Span(excerpt.citation(), ("i",)),
        )
        messages = formatting.pack([*head, quoted])
        if len(messages) == 1 or len(text) <= 1:
            return messages[0]
        text = text[: len(text) * 4 // 5].rstrip() + "…"


def article(result_id_: str, title: str, description: str, message: str) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=result_id_,
        title=title,
        description=description,
        input_message_content=InputTextMessageContent(
            message, parse_mode=ParseMode.HTML, link_preview_options=NO_LINK_PREVIEW
        ),
    )


def inline_results(t: Translator, query: str, answer: Answer) -> list[InlineQueryResultArticle]:
    """Up to MAX_RESULTS excerpts, titled with the direct answer, or, for passages that are about
    the query without clearly answering it, with the reader's "closest passages" wording (never
    presented as an answer); one "not answered" result when the documents are not about it."""
    if not answer.shows_excerpts:
        return [
            article(
                result_id(query, 0),
                replies.inline_no_answer_title(t),
                formatting.shorten(query, DESCRIPTION_CHARS),
                replies.inline_no_answer_text(t, query),
            )
        ]
    if answer.answered:
        title = formatting.shorten(answer.text or answer.excerpts[0].text, TITLE_CHARS)
    else:
        title = replies.inline_related_title(t)
    return [
        article(
            result_id(query, number),
            title,
            formatting.shorten(f"{excerpt.citation()} · {excerpt.text}", DESCRIPTION_CHARS),
            excerpt_message(t, answer, number),
        )
        for number, excerpt in enumerate(answer.excerpts[:MAX_RESULTS])
    ]


def limited_results(t: Translator, query: str, limit: int, seconds: int) -> list[InlineQueryResultArticle]:
    """Past the fair-use limit: one result saying when to try again (sending it says the same)."""
    return [
        article(
            result_id(query, 0),
            replies.inline_limited_title(t, seconds),
            formatting.shorten(query, DESCRIPTION_CHARS),
            replies.rate_limited_text(t, limit, seconds),
        )
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
            personal = False
            if query and any(char.isalnum() for char in query):
                async with self.fair_use.turn(user_id):
                    # A query the user has typed past while it waited is not counted: only the
                    # ones that would reach the model are, against the limit chat questions share.
                    if self._latest.get(user_id) == inline.id:
                        decision = self.fair_use.check(user_id, announce=False)
                        if decision.allowed:
                            results = await self.results(update, query)
                        else:
                            t = await self.texts(update)
                            results = limited_results(t, query, self.fair_use.limit, decision.retry_after)
                            personal = True  # never cached for, nor shown to, anyone else
            await inline.answer(results, cache_time=0 if personal else CACHE_SECONDS, is_personal=personal)
        except TelegramError as error:
            logger.info("Could not answer an inline query: %s", error)
        except Exception:
            # An inline query has no message the error handler could reply to: without an
            # answer the reader's spinner just runs out. Say "nothing" now, cached for nobody.
            logger.exception("Could not answer an inline query")
            with contextlib.suppress(TelegramError):
                await inline.answer([], cache_time=0, is_personal=True)
        finally:
            if self._latest.get(user_id) == inline.id:
                del self._latest[user_id]

    async def results(self, update: Update, query: str) -> list[InlineQueryResultArticle]:
        t = await self.texts(update)
        answer = await asyncio.to_thread(functools.partial(self.library.answer, query, k=MAX_RESULTS))
        return inline_results(t, query, answer)
