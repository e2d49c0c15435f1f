"""Update handlers: questions in private chats and groups, informational commands, /reindex."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import time
from collections.abc import Sequence
from typing import Protocol

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from citebot.index.answering.answer import Answer
from citebot.index.corpus.documents import DocumentError, DocumentInfo
from citebot.index.library import ReindexInProgress
from citebot.index.storage.build import BuildReport
from citebot.settings import Settings

from . import formatting, i18n
from .i18n import Translator
from .language import VERBATIM_NOTICE, ReaderLanguages
from .sending import reply_html, typing
from .store import QuestionLog

logger = logging.getLogger(__name__)


class DocumentLibrary(Protocol):
    """What the bot needs from `index.library.Library`."""

    def answer(self, question: str, doc: str | None = None, context: str | None = None) -> Answer: ...

    def documents(self) -> Sequence[DocumentInfo]: ...

    def reindex(self) -> BuildReport: ...


def text_after_command(message: Message) -> str:
    """The text following a leading /command or /command@botname."""
    text = message.text or ""
    for entity in message.entities:
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            return text[len(message.parse_entity(entity)) :]
    return text


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


class Handlers:
    """The bot's callbacks, bound to one library, question log and settings."""

    def __init__(self, library: DocumentLibrary, store: QuestionLog, settings: Settings) -> None:
        self.library = library
        self.store = store
        self.admin_user_ids = frozenset(settings.admin_user_ids)
        self.languages = ReaderLanguages(store)
        self._reindexing = asyncio.Lock()

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
                CommandHandler("reindex", self.reindex, filters=new_message),
                MessageHandler(private & filters.COMMAND, self.unknown_command),
                MessageHandler(private & filters.TEXT, self.private_text),
                MessageHandler(groups & filters.TEXT & filters.REPLY, self.follow_up),
                MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, self.non_text),
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
        question = text_after_command(update.effective_message)
        if not question.strip():
            t = await self.texts(update)
            await reply_html(update.effective_message, [formatting.ask_usage_text(t)])
            return
        await self.answer_question(update, context, question)

    async def private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.answer_question(update, context, update.effective_message.text)

    async def follow_up(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if replies_to_bot(update.effective_message, context.bot.id):
            await self.answer_question(update, context, update.effective_message.text)

    async def non_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await reply_html(update.effective_message, [formatting.non_text_text(await self.texts(update))])

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await reply_html(update.effective_message, [formatting.unknown_command_text(await self.texts(update))])

    async def answer_question(self, update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
        message = update.effective_message
        t = await self.texts(update)
        question = question.strip()
        if is_blank(question):
            await reply_html(message, [formatting.empty_question_text(t)])
            return
        if len(question) > formatting.MAX_QUESTION_CHARS:
            await reply_html(message, [formatting.too_long_question_text(t, len(question))])
            return
        doc, question = document_prefix(question)
        if doc is not None:
            known = [d.id for d in await asyncio.to_thread(self.library.documents)]
            if doc not in known:
                await reply_html(message, [formatting.unknown_document_text(t, doc, known)])
                return
        earlier = await self.earlier_question(message, context.bot.id)
        started = time.perf_counter()
        async with typing(context.bot, message):
            answer = await asyncio.to_thread(functools.partial(self.library.answer, question, doc, context=earlier))
        latency_ms = round((time.perf_counter() - started) * 1000)
        await self.record(update, question, answer, latency_ms)
        documents = {doc.id: doc for doc in await asyncio.to_thread(self.library.documents)}
        note = formatting.needs_verbatim_note(t, answer, documents) and await self.languages.first_time(
            update.effective_user, VERBATIM_NOTICE
        )
        sent = await reply_html(message, formatting.render_answer(t, answer, documents, verbatim_note=note))
        await self.remember(message.chat_id, sent, question)

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

    async def record(self, update: Update, question: str, answer: Answer, latency_ms: int) -> None:
        user = update.effective_user
        try:
            await self.store.log(
                chat_type=update.effective_chat.type,
                user_language=user.language_code if user else None,
                question=question,
                latency_ms=latency_ms,
                answered=answer.answered,
                cited_chunk_ids=[e.chunk_id for e in formatting.shown_excerpts(answer.excerpts)],
                citations=[f"{e.doc}#{e.paragraph}" for e in formatting.shown_excerpts(answer.excerpts)],
            )
        except Exception:
            logger.exception("Could not log a question")

    async def reindex(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        user = update.effective_user
        t = await self.texts(update)
        if user is None or user.id not in self.admin_user_ids:
            logger.warning("Refused /reindex from user %s", user.id if user else "unknown")
            await reply_html(message, [formatting.reindex_refused_text(t)])
            return
        if self._reindexing.locked():
            await reply_html(message, [formatting.reindex_running_text(t)])
            return
        async with self._reindexing:
            await reply_html(message, [formatting.reindex_started_text(t)])
            await reply_html(message, [await self.rebuild(t, user.id)])

    async def rebuild(self, t: Translator, user_id: int) -> str:
        logger.info("Reindex started by admin %s", user_id)
        try:
            report = await asyncio.to_thread(self.library.reindex)
        except ReindexInProgress:
            return formatting.reindex_running_text(t)
        except DocumentError as error:
            logger.warning("Reindex failed: %s", error)
            return formatting.reindex_failed_text(t, str(error))
        except Exception:
            logger.exception("Reindex failed")
            return formatting.reindex_failed_text(t)
        logger.info("Reindex done: %s", report)
        return formatting.reindex_done_text(t, report.documents, report.chunks, report.seconds)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        logger.error("Error while handling an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_message:
            t = i18n.translator(i18n.locale_for(update.effective_user.language_code if update.effective_user else None))
            with contextlib.suppress(Exception):
                t = await self.texts(update)
            with contextlib.suppress(TelegramError):
                await reply_html(update.effective_message, [formatting.error_text(t)])
