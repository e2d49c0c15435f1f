"""The reader's language: their /lang choice (kept in SQLite), else Telegram's language_code.

A choice takes effect at once and is written behind (bot/log_writer.py): a locked database delays
the write, never the reply. The reader's private-chat command menu follows the choice."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, filters

from . import formatting, i18n, menus
from .i18n import Translator
from .sending import reply_html
from .store import QuestionLog

logger = logging.getLogger(__name__)

CALLBACK_PREFIX = "lang:"
VERBATIM_NOTICE = "verbatim"


def language_keyboard(current: str) -> InlineKeyboardMarkup:
    """One button per language, each named in its own language; the current one is ticked."""
    buttons = [
        InlineKeyboardButton(
            ("✓ " if locale == current else "") + i18n.LANGUAGE_NAMES[locale],
            callback_data=CALLBACK_PREFIX + locale,
        )
        for locale in i18n.LOCALES
    ]
    return InlineKeyboardMarkup([buttons[:2], buttons[2:]])


class ReaderLanguages:
    """Finds each reader's translator and lets them change it with /lang."""

    def __init__(self, store: QuestionLog, admin_user_ids: frozenset[int] = frozenset()) -> None:
        self.store = store
        self.admin_user_ids = admin_user_ids

    def handlers(self) -> list:
        return [
            CommandHandler("lang", self.choose, filters=filters.UpdateType.MESSAGE),
            CallbackQueryHandler(self.chosen, pattern=f"^{CALLBACK_PREFIX}"),
        ]

    async def locale(self, user: User | None) -> str:
        if user is None:
            return i18n.ENGLISH
        try:
            chosen = await self.store.reader_locale(user.id)
        except Exception:
            logger.exception("Could not read user %s's language; using Telegram's", user.id)
            chosen = None
        return chosen if chosen in i18n.LOCALES else i18n.locale_for(user.language_code)

    async def texts(self, update: object) -> Translator:
        """The translator for whoever sent the update."""
        user = update.effective_user if isinstance(update, Update) else None
        return i18n.translator(await self.locale(user))

    async def first_time(self, user: User | None, notice: str) -> bool:
        """Whether `user` has never been shown `notice` (and now counts as having seen it)."""
        if user is None:
            return False
        try:
            return await self.store.claim_notice(user.id, notice)
        except Exception:
            logger.exception("Could not record a notice for user %s", user.id)
            return False

    async def choose(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        locale = await self.locale(update.effective_user)
        t = i18n.translator(locale)
        await reply_html(update.effective_message, [formatting.choose_language_text(t)], language_keyboard(locale))

    async def chosen(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        locale = (query.data or "").removeprefix(CALLBACK_PREFIX)
        if locale not in i18n.LOCALES:
            await query.answer(formatting.unknown_language_text(await self.texts(update)))
            return
        user_id = query.from_user.id
        try:
            self.store.set_reader_locale(user_id, locale)
        except Exception:
            logger.exception("Could not store user %s's language", user_id)
            await query.answer(formatting.error_text_plain(await self.texts(update)), show_alert=True)
            return
        t = i18n.translator(locale)
        await query.answer(formatting.language_set_text(t, i18n.LANGUAGE_NAMES[locale]))
        await self.show_choice(query, t, locale)
        # The reader's private chat (its id is theirs): the menu in the chosen language too. Only
        # when chosen there: a member choosing in a group may never have opened that chat, and
        # Telegram refuses a menu for a chat that does not exist.
        if query.message is not None and query.message.chat.type == ChatType.PRIVATE:
            await menus.set_chat_menu(context.bot, user_id, locale, admin=user_id in self.admin_user_ids)

    @staticmethod
    async def show_choice(query, t: Translator, locale: str) -> None:
        """The /lang message now says what was chosen, in that language, and keeps its buttons."""
        said = formatting.language_set_text(t, i18n.LANGUAGE_NAMES[locale])
        if query.message is None or getattr(query.message, "text", None) == said:
            return  # gone, or the same button pressed again: nothing to change
        text = formatting.escape(said)
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=language_keyboard(locale))
        except TelegramError as error:
            # "message is not modified" when the same button is pressed twice; an old message.
            logger.info("Could not update the /lang message: %s", error)
