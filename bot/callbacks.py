"""Buttons under an answer: 👍/👎 votes and "More" excerpts; every press gets an answer (a toast)."""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from citebot.index.answering.answer import Answer, Excerpt
from citebot.index.corpus.documents import DocumentInfo

from . import buttons, formatting, replies
from .buttons import Confirm, More, Vote
from .fair_use import FairUse
from .i18n import Translator
from .interactions import AnswerRecord, Interactions
from .sending import reply_html

logger = logging.getLogger(__name__)

MORE_PER_PRESS = 3
MAX_EXCERPTS_SHOWN = 12

Texts = Callable[[object], Awaitable[Translator]]
ConfirmHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, Confirm, Translator], Awaitable[str]]


def citation_key(excerpt: Excerpt) -> str:
    """An excerpt's place in its document, stable across rebuilds: doc#paragraph."""
    return f"{excerpt.doc}#{excerpt.paragraph}"


def shown_excerpts(answer: Answer) -> list[Excerpt]:
    """The excerpts the reply showed, an answer's or the closest passages (the layout drops weak
    ones): "More" starts after them."""
    return formatting.shown_excerpts(answer.excerpts) if answer.shows_excerpts else []


def fresh_excerpts(answer: Answer, shown: Sequence[str], count: int = MORE_PER_PRESS) -> list[Excerpt]:
    """The best excerpts of `answer` not shown yet, one per paragraph."""
    seen = set(shown)
    fresh = []
    for excerpt in answer.excerpts if answer.shows_excerpts else ():
        if citation_key(excerpt) not in seen:
            seen.add(citation_key(excerpt))
            fresh.append(excerpt)
    return fresh[:count]


def more_blocks(
    t: Translator,
    question: str,
    excerpts: Sequence[Excerpt],
    first_number: int,
    documents: Mapping[str, DocumentInfo],
) -> list[formatting.Block]:
    """Further excerpts laid out as in the answer: quotes, each document named (and linked) once."""
    blocks: list[formatting.Block] = [(formatting.Span(replies.more_header(t, question)),)]
    named: set[str] = set()
    for number, excerpt in enumerate(excerpts, start=first_number):
        quote, _ = formatting.quote_spans(excerpt.text.strip(), "")
        citation = formatting.citation_spans(number, excerpt, documents.get(excerpt.doc), excerpt.doc not in named)
        blocks.append((*quote, *citation))
        named.add(excerpt.doc)
    return blocks


class AnswerButtons:
    """Creates the keyboard under an answer and handles presses on it."""

    def __init__(
        self,
        library,
        interactions: Interactions,
        fair_use: FairUse,
        texts: Texts,
        confirm: ConfirmHandler | None = None,
    ) -> None:
        self.library = library
        self.interactions = interactions
        self.fair_use = fair_use
        self.texts = texts
        self.confirm = confirm
        # One lock per answer whose "More" is being pressed; gone once no press holds it.
        self._more_turns: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    async def keyboard_for(
        self,
        t: Translator,
        *,
        chat_id: int,
        user_id: int | None,
        question: str,
        doc: str | None,
        context: str | None,
        answer: Answer,
    ) -> InlineKeyboardMarkup | None:
        """The buttons for a reply that shows excerpts, an answer or the closest passages (none for a
        decline); remembered in SQLite so they outlive a restart."""
        if not answer.shows_excerpts:
            return None
        try:
            answer_id = await self.interactions.new_answer(
                chat_id=chat_id,
                user_id=user_id,
                question=question,
                doc=doc,
                context=context,
                shown=[citation_key(e) for e in shown_excerpts(answer)],
            )
        except Exception:
            logger.exception("Could not store an answer for its buttons; sending it without them")
            return None
        return buttons.answer_keyboard(t, answer_id)

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        t = await self.texts(update)
        toast = replies.busy_toast(t)
        try:
            toast = await self.handle(update, context, query, t)
        except Exception:
            logger.exception("Could not handle a button press (%r)", query.data)
        finally:
            try:
                await query.answer(toast)
            except TelegramError as error:
                logger.info("Could not answer a callback query: %s", error)

    async def on_stale(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A press with data no handler understands: a button from an older version of the bot."""
        try:
            await update.callback_query.answer(replies.stale_button_toast(await self.texts(update)))
        except TelegramError as error:
            logger.info("Could not answer a callback query: %s", error)

    async def handle(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, t: Translator
    ) -> str:
        press = buttons.parse_press(query.data)
        if isinstance(press, Vote):
            return await self.vote(query, press, t)
        if isinstance(press, More):
            return await self.more(query, press, t)
        if isinstance(press, Confirm) and self.confirm is not None:
            return await self.confirm(update, context, press, t)
        return replies.stale_button_toast(t)

    async def answer_pressed(self, query: CallbackQuery, answer_id: int) -> AnswerRecord | None:
        """The answer a button belongs to, if it was sent to the chat the button was pressed in.

        Callback data comes from the client and need not match any button the bot sent: answer ids
        are consecutive, and without this check "m:41" pressed anywhere would show (in a group, to
        everyone) another reader's private question and its excerpts, and votes could be cast on it."""
        record = await self.interactions.answer(answer_id)
        if record is None or query.message is None or record.chat_id != query.message.chat.id:
            return None
        return record

    async def vote(self, query: CallbackQuery, press: Vote, t: Translator) -> str:
        if await self.answer_pressed(query, press.answer_id) is None:
            return replies.answer_gone_toast(t)
        previous = await self.interactions.vote(press.answer_id, query.from_user.id, press.vote)
        return replies.vote_toast(t, press.vote, previous)

    async def more(self, query: CallbackQuery, press: More, t: Translator) -> str:
        """The next excerpts of an answer. Presses on one answer take turns, each reading what the
        one before it showed: a double tap must not send the same excerpts twice."""
        lock = self._more_turns.get(press.answer_id)
        if lock is None:
            lock = self._more_turns[press.answer_id] = asyncio.Lock()
        async with lock:
            return await self.next_excerpts(query, press, t)

    async def next_excerpts(self, query: CallbackQuery, press: More, t: Translator) -> str:
        record = await self.answer_pressed(query, press.answer_id)
        if record is None or not isinstance(query.message, Message):
            return replies.answer_gone_toast(t)
        if len(record.shown) >= MAX_EXCERPTS_SHOWN:
            return replies.no_more_excerpts_toast(t)
        decision = self.fair_use.check(query.from_user.id)
        if not decision.allowed:
            return replies.rate_limited_toast(t, decision.retry_after)
        wanted = len(record.shown) + MORE_PER_PRESS
        async with self.fair_use.turn(query.from_user.id):
            answer = await asyncio.to_thread(
                functools.partial(self.library.answer, record.question, record.doc, context=record.context, k=wanted)
            )
        fresh = fresh_excerpts(answer, record.shown)
        if not fresh:
            return replies.no_more_excerpts_toast(t)
        shown = len(record.shown) + len(fresh)
        keyboard = buttons.answer_keyboard(t, record.id, votes=False) if shown < MAX_EXCERPTS_SHOWN else None
        documents = {doc.id: doc for doc in await asyncio.to_thread(self.library.documents)}
        blocks = more_blocks(t, record.question, fresh, len(record.shown) + 1, documents)
        await reply_html(query.message, formatting.pack(blocks), reply_markup=keyboard)
        await self.interactions.add_shown(record.id, [citation_key(e) for e in fresh])
        return replies.more_sent_toast(t)
