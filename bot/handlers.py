"""Update handlers: questions in private chats and groups, informational commands, /reindex."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from citebot.index.answering.answer import Answer
from citebot.index.corpus.documents import DocumentInfo
from citebot.index.storage.build import BuildReport, Progress
from citebot.settings import Settings

from . import buttons, formatting, i18n, replies
from .admin import AdminCommands
from .callbacks import AnswerButtons
from .fair_use import FairUse
from .i18n import Translator
from .inline import InlineAnswers
from .interactions import Interactions
from .language import VERBATIM_NOTICE, ReaderLanguages
from .resilience import FloodWaitTooLong, is_transient
from .sending import deliver, reply_html, typing
from .store import LogTicket, QuestionLog

logger = logging.getLogger(__name__)


class DocumentLibrary(Protocol):
    """What the bot needs from `index.library.Library`."""

    data_dir: Path

    def answer(self, question: str, doc: str | None = None, context: str | None = None, k: int = 3) -> Answer: ...

    def documents(self) -> Sequence[DocumentInfo]: ...

    def reindex(self, progress: Progress | None = None) -> BuildReport: ...

    def abandon_builds(self) -> None: ...

    def outdated(self) -> list[str]: ...


def text_after_command(message: Message, bot_id: int, bot_username: str) -> str:
    """The text following a leading /command or /command@botname, without @mentions of this bot
    ("/ask @citebot why…" asks "why…")."""
    command = [e for e in message.entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0]
    return without_entities(message, [*command[:1], *mentions_of_bot(message, bot_id, bot_username)])


def sent_via(message: Message, bot_id: int) -> bool:
    """Whether the message is an inline result of this bot, sent by a reader: the bot's own excerpt."""
    return bool(message.via_bot and message.via_bot.id == bot_id)


def replies_to_bot(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


DOCUMENT_PREFIX = re.compile(r"#([\w.-]+)\s+(.*)", re.DOTALL)


def document_prefix(question: str) -> tuple[str | None, str]:
    """`#doc-id question` asks one document only: (doc id or None, the question itself)."""
    match = DOCUMENT_PREFIX.fullmatch(question.strip())
    return (match.group(1), match.group(2)) if match else (None, question)


def is_blank(question: str) -> bool:
    return not any(char.isalnum() for char in question)


def mentions_of_bot(message: Message, bot_id: int, bot_username: str) -> list[MessageEntity]:
    """The message's @mentions of this bot (by @username or, for users without one, by id)."""
    found = []
    for entity in message.entities:
        if (
            entity.type == MessageEntity.MENTION
            and message.parse_entity(entity).casefold() == f"@{bot_username}".casefold()
        ) or (entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id):
            found.append(entity)
    return found


def without_entities(message: Message, entities: Sequence[MessageEntity]) -> str:
    """The message's text with these entities cut out (offsets are in UTF-16 units)."""
    units = (message.text or "").encode("utf-16-le")
    for entity in sorted(entities, key=lambda e: e.offset, reverse=True):
        units = units[: 2 * entity.offset] + units[2 * (entity.offset + entity.length) :]
    return units.decode("utf-16-le")


class Handlers:
    """The bot's callbacks, bound to one library, question log and settings."""

    def __init__(self, library: DocumentLibrary, store: QuestionLog, settings: Settings) -> None:
        self.library = library
        self.store = store
        self.admin_user_ids = frozenset(settings.admin_user_ids)
        self.typing_after = settings.typing_after_seconds
        self.languages = ReaderLanguages(store, self.admin_user_ids)
        self.interactions = Interactions(store)
        self.fair_use = FairUse(settings.user_rate_limit, self.admin_user_ids)
        self.admin = AdminCommands(library, self.interactions, settings, self.texts)
        self.buttons = AnswerButtons(library, self.interactions, self.fair_use, self.texts, self.admin.confirm)
        self.inline = InlineAnswers(library, self.fair_use, self.texts)

    def register(self, application: Application) -> None:
        new_message = filters.UpdateType.MESSAGE
        private = filters.ChatType.PRIVATE & new_message
        groups = filters.ChatType.GROUPS & new_message
        application.add_handlers(
            [
                *self.languages.handlers(),
                CommandHandler("start", self.start, filters=new_message),
                CommandHandler("help", self.help, filters=new_message),
                CommandHandler("sources", self.sources, filters=new_message),
                CommandHandler("ask", self.ask, filters=new_message),
                CommandHandler("reindex", self.admin.reindex, filters=new_message),
                CommandHandler("stats", self.admin.stats, filters=new_message),
                CommandHandler("remove", self.admin.remove, filters=new_message),
                MessageHandler(private & filters.COMMAND, self.unknown_command),
                MessageHandler(private & filters.TEXT, self.private_text),
                MessageHandler(
                    groups
                    & filters.TEXT
                    & ~filters.COMMAND  # "/help@otherbot" in reply to this bot is not a question for it
                    & (
                        filters.REPLY
                        | filters.Entity(MessageEntity.MENTION)
                        | filters.Entity(MessageEntity.TEXT_MENTION)
                    ),
                    self.group_text,
                ),
                MessageHandler(private & filters.Document.ALL, self.admin.document),
                MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, self.non_text),
                CallbackQueryHandler(self.buttons.on_press, pattern=buttons.PATTERN),
                InlineQueryHandler(self.inline.on_query),
                # Keep last: a press on a button this bot no longer understands still gets a toast.
                CallbackQueryHandler(self.buttons.on_stale),
            ]
        )
        application.add_error_handler(self.on_error)

    async def texts(self, update: object) -> Translator:
        """The translator for whoever sent the update: their /lang choice, else their Telegram language."""
        return await self.languages.texts(update)

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        t = await self.texts(update)
        in_group = update.effective_chat.type != ChatType.PRIVATE
        text = formatting.group_start_text(t, context.bot.username) if in_group else formatting.start_text(t)
        await reply_html(update.effective_message, [text])

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        t = await self.texts(update)
        documents = await asyncio.to_thread(self.library.documents)
        in_group = update.effective_chat.type != ChatType.PRIVATE
        await reply_html(
            update.effective_message, formatting.help_messages(t, documents, context.bot.username, in_group)
        )

    async def sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        t = await self.texts(update)
        documents = await asyncio.to_thread(self.library.documents)
        await reply_html(update.effective_message, formatting.sources_messages(t, documents))

    async def ask(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        question = text_after_command(update.effective_message, context.bot.id, context.bot.username)
        if not question.strip():
            t = await self.texts(update)
            await reply_html(update.effective_message, [formatting.ask_usage_text(t)])
            return
        await self.answer_question(update, context, question)

    async def private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not sent_via(update.effective_message, context.bot.id):
            await self.answer_question(update, context, update.effective_message.text)

    async def group_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A reply to the bot's message is a follow-up; a message mentioning @bot is a question."""
        message = update.effective_message
        if sent_via(message, context.bot.id):
            return
        mentions = mentions_of_bot(message, context.bot.id, context.bot.username)
        if mentions or replies_to_bot(message, context.bot.id):
            await self.answer_question(update, context, without_entities(message, mentions))

    async def non_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await reply_html(update.effective_message, [formatting.non_text_text(await self.texts(update))])

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await reply_html(update.effective_message, [formatting.unknown_command_text(await self.texts(update))])

    async def answer_question(self, update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
        message = update.effective_message
        user_id = update.effective_user.id if update.effective_user else None
        t = await self.texts(update)
        decision = self.fair_use.check(user_id)
        if not decision.allowed:
            if decision.notify:
                await reply_html(message, [replies.rate_limited_text(t, self.fair_use.limit, decision.retry_after)])
            return
        doc, question = document_prefix(question.strip())
        if is_blank(question):
            await reply_html(message, [formatting.empty_question_text(t)])
            return
        if len(question) > formatting.MAX_QUESTION_CHARS:
            await reply_html(message, [formatting.too_long_question_text(t, len(question))])
            return
        if doc is not None:
            known = [d.id for d in await asyncio.to_thread(self.library.documents)]
            if doc not in known:
                await reply_html(message, [formatting.unknown_document_text(t, doc, known)])
                return
        earlier = await self.earlier_question(message, context.bot.id)
        started = time.perf_counter()
        async with self.fair_use.turn(user_id), typing(context.bot, message, self.typing_after):
            answer = await asyncio.to_thread(functools.partial(self.library.answer, question, doc, context=earlier))
        latency_ms = round((time.perf_counter() - started) * 1000)
        ticket = await self.record(update, question, answer, latency_ms)
        documents = {doc.id: doc for doc in await asyncio.to_thread(self.library.documents)}
        note = formatting.needs_verbatim_note(t, answer, documents) and await self.languages.first_time(
            update.effective_user, VERBATIM_NOTICE
        )
        keyboard = await self.buttons.keyboard_for(
            t, chat_id=message.chat_id, user_id=user_id, question=question, doc=doc, context=earlier, answer=answer
        )
        try:
            delivery = await deliver(
                message, formatting.render_answer(t, answer, documents, verbatim_note=note), reply_markup=keyboard
            )
        except FloodWaitTooLong as error:
            self.mark_delivered(ticket, False)
            await self.say_flooded(message, t, error.seconds)
            return
        except TelegramError:
            self.mark_delivered(ticket, False)
            raise
        self.mark_delivered(ticket, delivery.delivered)
        await self.remember(message.chat_id, delivery.sent, question)

    def mark_delivered(self, ticket: LogTicket | None, delivered: bool | None) -> None:
        if ticket is None:
            return
        try:
            self.store.mark_delivered(ticket, delivered)
        except Exception:
            logger.exception("Could not log whether an answer was delivered")

    async def say_flooded(self, message: Message, t: Translator, seconds: float) -> None:
        """Telegram asks for a longer pause than a user should wait: say so briefly, once."""
        logger.warning("Flood control asks for %.0f s in chat %s; the answer was not sent", seconds, message.chat_id)
        try:
            await reply_html(message, [formatting.flood_wait_text(t, seconds)])
        except TelegramError as error:
            logger.warning("Could not tell chat %s about the flood wait either: %s", message.chat_id, error)

    async def earlier_question(self, message: Message, bot_id: int) -> str | None:
        """The question behind the bot's message that this one replies to, if that was an answer."""
        if not replies_to_bot(message, bot_id):
            return None
        try:
            return await self.store.answered_question(message.chat_id, message.reply_to_message.message_id)
        except Exception:
            logger.exception("Could not look up the question a follow-up replies to")
            return None

    async def remember(self, chat_id: int, sent: Sequence[Message], question: str) -> None:
        try:
            await self.store.remember_answer(chat_id, [reply.message_id for reply in sent], question)
        except Exception:
            logger.exception("Could not remember which question an answer answered")

    async def record(self, update: Update, question: str, answer: Answer, latency_ms: int) -> LogTicket | None:
        """Queues the question's log row, before sending: delivery is filled in after."""
        user = update.effective_user
        try:
            return await self.store.log(
                delivered=None,
                chat_type=update.effective_chat.type,
                user_language=user.language_code if user else None,
                question=question,
                latency_ms=latency_ms,
                answered=answer.answered,
                cited_chunk_ids=[e.chunk_id for e in formatting.shown_excerpts(answer.excerpts)],
                citations=[f"{e.doc}#{e.paragraph}" for e in formatting.shown_excerpts(answer.excerpts)],
                user_id=user.id if user else None,
            )
        except Exception:
            logger.exception("Could not log a question")
            return None

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update is None and is_transient(context.error):
            logger.debug("Polling failed: %s", context.error)  # logged once per outage by the poller
            return
        logger.error("Error while handling an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_message:
            t = i18n.translator(i18n.locale_for(update.effective_user.language_code if update.effective_user else None))
            with contextlib.suppress(Exception):
                t = await self.texts(update)
            with contextlib.suppress(TelegramError):
                await reply_html(update.effective_message, [formatting.error_text(t)])
