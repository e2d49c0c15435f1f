"""Admin commands in the chat: /stats, /reindex with live progress, documents sent as files, /remove."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import date

from telegram import Message, Update, User
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from citebot.index.corpus.documents import DocumentError
from citebot.index.library import ReindexInProgress
from citebot.index.storage.build import BuildReport
from citebot.index.storage.checkpoints import BuildAbandoned
from citebot.index.storage.store import IndexWriteFailed
from citebot.settings import Settings

from . import buttons, formatting, replies, uploads
from .buttons import Confirm
from .i18n import Translator
from .interactions import Interactions
from .progress import ProgressMessage, State
from .resilience import retry_until_done
from .sending import reply_html
from .stats import stats_messages
from .uploads import DataDirChange, UploadRefused

logger = logging.getLogger(__name__)

DOWNLOAD_RETRY_SECONDS = 30.0

Texts = Callable[[object], Awaitable[Translator]]
REPLACE, REMOVE = "replace", "remove"


def refusal_text(t: Translator, refused: UploadRefused) -> str:
    texts = {
        "wrong_type": lambda: replies.upload_wrong_type_text(t, refused.detail),
        "too_big": lambda: replies.upload_too_big_text(t, uploads.MAX_UPLOAD_BYTES // (1024 * 1024)),
        "binary": lambda: replies.upload_binary_text(t),
        "not_utf8": lambda: replies.upload_not_utf8_text(t),
        "empty": lambda: replies.upload_empty_text(t),
        "bad_id": lambda: replies.upload_bad_id_text(t, refused.detail),
    }
    return texts.get(refused.reason, lambda: replies.upload_unreadable_text(t, refused.detail))()


def progress_text(t: Translator, state: State) -> str:
    stage, done, total = state
    if stage == "embedding":
        return replies.progress_embedding(t, done, total)
    if stage == "swapping":
        return replies.progress_swapping(t)
    return replies.progress_reading(t)


def added_by(user: User) -> str:
    return f"{user.full_name} ({user.id})"


class AdminCommands:
    def __init__(self, library, interactions: Interactions, settings: Settings, texts: Texts) -> None:
        self.library = library
        self.interactions = interactions
        self.admin_user_ids = frozenset(settings.admin_user_ids)
        self.texts = texts
        self._rebuilding = asyncio.Lock()

    def is_admin(self, user: User | None) -> bool:
        return user is not None and user.id in self.admin_user_ids

    async def refuse(self, update: Update, command: str) -> bool:
        """True (after a polite refusal) when the sender is not an admin."""
        if self.is_admin(update.effective_user):
            return False
        user = update.effective_user
        logger.warning("Refused /%s from user %s", command, user.id if user else "unknown")
        t = await self.texts(update)
        text = formatting.reindex_refused_text(t) if command == "reindex" else replies.admin_only_text(t)
        await reply_html(update.effective_message, [text])
        return True

    # -- /stats ---------------------------------------------------------------------------------

    async def stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await self.refuse(update, "stats"):
            return
        t = await self.texts(update)
        await reply_html(update.effective_message, stats_messages(t, await self.interactions.stats()))

    # -- /reindex -------------------------------------------------------------------------------

    async def reindex(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await self.refuse(update, "reindex"):
            return
        t = await self.texts(update)
        if self._rebuilding.locked():
            await reply_html(update.effective_message, [formatting.reindex_running_text(t)])
            return
        async with self._rebuilding:
            logger.info("Reindex started by admin %s", update.effective_user.id)
            await self.rebuild(update.effective_message, t)

    async def rebuild(
        self, reply_to: Message, t: Translator, failed: Callable[[str | None], str] | None = None
    ) -> BuildReport | None:
        """Rebuilds with its progress in one edited message; None if it failed (the old index stays)."""
        failed = failed or functools.partial(formatting.reindex_failed_text, t)
        async with ProgressMessage.open(
            reply_to, replies.progress_reading(t), functools.partial(progress_text, t)
        ) as progress:
            try:
                report = await asyncio.to_thread(self.library.reindex, progress.report)
            except ReindexInProgress:
                await progress.finish(replies.rebuild_busy_text(t))
                return None
            except BuildAbandoned:
                logger.info("Reindex abandoned: the bot is stopping")
                await progress.finish(replies.rebuild_abandoned_text(t))
                return None
            except DocumentError as error:
                logger.warning("Reindex failed: %s", error)
                await progress.finish(failed(str(error)))
                return None
            except IndexWriteFailed as error:
                logger.error("Reindex failed: %s", error)
                await progress.finish(failed(error.reason))
                return None
            except Exception:
                logger.exception("Reindex failed")
                await progress.finish(failed(None))
                return None
            logger.info("Reindex done: %s", report)
            await progress.finish(
                replies.progress_done(t, report.generation.name, report.documents, report.chunks, report.seconds)
            )
            return report

    async def change_and_rebuild(self, reply_to: Message, t: Translator, change: DataDirChange) -> bool:
        """Applies a change to the data directory and rebuilds; undoes the change if the rebuild fails."""
        if self._rebuilding.locked():
            await reply_html(reply_to, [replies.rebuild_busy_text(t)])
            return False
        async with self._rebuilding:
            try:
                await asyncio.to_thread(change.apply)
            except OSError as error:  # a full disk, say: put back what was changed, and say why
                logger.error("Could not change the data directory: %s", error)
                await asyncio.to_thread(change.undo)
                await reply_html(reply_to, [replies.upload_index_failed_text(t, error.strerror or str(error))])
                return False
            report = None
            try:
                report = await self.rebuild(reply_to, t, functools.partial(replies.upload_index_failed_text, t))
            finally:  # a file in the data directory but not in the index: put things back
                if report is None:
                    await asyncio.to_thread(change.undo)
            return report is not None

    # -- documents from the chat ----------------------------------------------------------------

    async def document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        t = await self.texts(update)
        if not self.is_admin(update.effective_user):
            await reply_html(message, [replies.upload_refused_text(t)])
            return
        document = message.document
        try:
            doc_id, _ = uploads.check_announced(document.file_name, document.file_size)
        except UploadRefused as refused:
            await reply_html(message, [refusal_text(t, refused)])
            return
        if await asyncio.to_thread(uploads.files_of, self.library.data_dir, doc_id):
            action = await self.interactions.add_pending(
                update.effective_user.id,
                REPLACE,
                {"file_id": document.file_id, "file_name": document.file_name, "caption": message.caption},
            )
            await reply_html(
                message,
                [replies.upload_exists_text(t, doc_id)],
                reply_markup=buttons.confirm_keyboard(t, action, replies.replace_button(t)),
            )
            return
        await self.add(
            message,
            t,
            context,
            document.file_id,
            document.file_name,
            message.caption,
            update.effective_user,
            replace=False,
        )

    async def add(
        self,
        reply_to: Message,
        t: Translator,
        context: ContextTypes.DEFAULT_TYPE,
        file_id: str,
        file_name: str,
        caption: str | None,
        user: User,
        replace: bool,
    ) -> None:
        try:
            raw = await self.download(context, file_id)
            upload = await asyncio.to_thread(
                functools.partial(
                    uploads.prepare, raw, file_name, caption=caption, added_by=added_by(user), today=date.today()
                )
            )
        except UploadRefused as refused:
            await reply_html(reply_to, [refusal_text(t, refused)])
            return
        except TelegramError as error:
            logger.warning("Could not download an uploaded document: %s", error)
            await reply_html(reply_to, [replies.upload_download_failed_text(t)])
            return
        change = await asyncio.to_thread(uploads.adding, self.library.data_dir, upload)
        if await self.change_and_rebuild(reply_to, t, change):
            logger.info("Admin %s added document %s", user.id, upload.doc_id)
            chunks = next((d.chunks for d in self.library.documents() if d.id == upload.doc_id), 0)
            await reply_html(reply_to, [replies.upload_done_text(t, upload.doc_id, chunks, replace)])

    async def download(self, context: ContextTypes.DEFAULT_TYPE, file_id: str) -> bytes:
        file = await context.bot.get_file(file_id)
        if file.file_size is not None and file.file_size > uploads.MAX_UPLOAD_BYTES:
            raise UploadRefused("too_big")
        # The file itself does not come through the Bot API's retrying rate limiter: a transient
        # failure (a 5xx, a dropped connection, a timeout) is tried again here, for a while.
        data = await retry_until_done(
            file.download_as_bytearray, "downloading an uploaded document", deadline=DOWNLOAD_RETRY_SECONDS
        )
        return bytes(data)

    # -- /remove --------------------------------------------------------------------------------

    async def remove(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await self.refuse(update, "remove"):
            return
        message = update.effective_message
        t = await self.texts(update)
        doc_id = " ".join(context.args or []).strip().lstrip("#")
        if not doc_id:
            await reply_html(message, [replies.remove_usage_text(t)])
            return
        documents = await asyncio.to_thread(self.library.documents)
        found = next((d for d in documents if d.id == doc_id), None)
        if found is None:
            await reply_html(message, [replies.remove_unknown_text(t, doc_id, [d.id for d in documents])])
            return
        if len(documents) == 1:
            await reply_html(message, [replies.remove_last_text(t)])
            return
        action = await self.interactions.add_pending(update.effective_user.id, REMOVE, {"doc_id": doc_id})
        await reply_html(
            message,
            [replies.remove_confirm_text(t, doc_id, found.title)],
            reply_markup=buttons.confirm_keyboard(t, action, replies.remove_button(t)),
        )

    async def removing(self, reply_to: Message, t: Translator, doc_id: str, user: User) -> None:
        change = await asyncio.to_thread(uploads.removing, self.library.data_dir, doc_id)
        if await self.change_and_rebuild(reply_to, t, change):
            logger.info("Admin %s removed document %s", user.id, doc_id)
            await reply_html(reply_to, [replies.remove_done_text(t, doc_id)])

    # -- confirmation buttons -------------------------------------------------------------------

    async def confirm(self, update: Update, context: ContextTypes.DEFAULT_TYPE, press: Confirm, t: Translator) -> str:
        """Handles Replace/Remove/Cancel; the work runs after the toast so the press is answered at once."""
        query = update.callback_query
        action = await self.interactions.pending(press.action_id)
        if action is None:
            return replies.confirmation_expired_toast(t)
        if action.user_id != query.from_user.id or not self.is_admin(query.from_user):
            return replies.not_your_confirmation_toast(t)
        if not await self.interactions.drop_pending(action.id):
            return replies.confirmation_expired_toast(t)
        message = query.message if isinstance(query.message, Message) else None
        if message is not None:
            await self.close_confirmation(message, press.confirmed, t)
        if not press.confirmed or message is None:
            return replies.cancelled_text(t)
        if action.kind == REMOVE:
            work = self.removing(message, t, action.payload["doc_id"], query.from_user)
        else:
            payload = action.payload
            work = self.add(
                message,
                t,
                context,
                payload["file_id"],
                payload["file_name"],
                payload.get("caption"),
                query.from_user,
                replace=True,
            )
        context.application.create_task(work, update=update)
        return replies.working_toast(t)

    async def close_confirmation(self, message: Message, confirmed: bool, t: Translator) -> None:
        """Takes the buttons off a confirmation, so it cannot be pressed twice."""
        try:
            if confirmed:
                await message.edit_reply_markup(reply_markup=None)
            else:
                await message.edit_text(replies.cancelled_text(t), parse_mode=ParseMode.HTML)
        except TelegramError as error:
            logger.info("Could not update a confirmation message: %s", error)
