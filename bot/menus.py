"""Command menus (setMyCommands): each language's at start-up, and a reader's own once they pick one with /lang."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)
from telegram.error import TelegramError

from . import i18n
from .i18n import N_, Translator
from .resilience import retry_until_done

logger = logging.getLogger(__name__)

COMMAND_REGISTRATION_DEADLINE_SECONDS = 30.0
# (command, description): descriptions are translated per menu language when registered.
PRIVATE_COMMANDS = (
    ("start", N_("What this bot does")),
    ("help", N_("What I know and how to ask")),
    ("sources", N_("The documents I answer from")),
    ("lang", N_("Change the language I reply in")),
)
GROUP_COMMANDS = (
    ("ask", N_("Ask a question about the documents")),
    ("help", N_("What I know and how to ask")),
    ("sources", N_("The documents I answer from")),
    ("lang", N_("Change the language I reply in")),
)
ADMIN_COMMANDS = (
    *PRIVATE_COMMANDS,
    ("reindex", N_("Rebuild the search index")),
    ("stats", N_("How the bot is doing")),
    ("remove", N_("Remove a document")),
)

ChosenLocale = Callable[[int], Awaitable[str | None]]


def menu(commands: Iterable[tuple[str, str]], t: Translator) -> list[BotCommand]:
    return [BotCommand(command, t.gettext(description)) for command, description in commands]


def menu_languages() -> list[tuple[str | None, Translator]]:
    """(Telegram language_code, translator): English is the menu for every other language."""
    return [(None, i18n.translator(i18n.ENGLISH))] + [
        (i18n.DOCUMENT_LANGUAGES[locale], i18n.translator(locale)) for locale in i18n.TRANSLATED_LOCALES
    ]


def chat_menus(locale: str | None, admin: bool) -> list[tuple[str | None, list[BotCommand]]]:
    """(language_code, commands) to register in one private chat's scope.

    Telegram prefers a chat's own menu to the all-private-chats one, and within a scope the entry for
    the reader's app language to the one without a language_code. An admin's chat carries a menu per
    app language (their admin commands); a reader who picked a language with /lang gets that
    language's descriptions, for every app language an admin's chat has an entry for (a reader's
    chat needs only the entry without a language_code)."""
    commands = ADMIN_COMMANDS if admin else PRIVATE_COMMANDS
    if locale is None:
        return [(language_code, menu(commands, t)) for language_code, t in menu_languages()]
    t = i18n.translator(locale)
    codes = [language_code for language_code, _ in menu_languages()] if admin else [None]
    return [(language_code, menu(commands, t)) for language_code in codes]


async def set_chat_menu(bot: Bot, chat_id: int, locale: str | None, admin: bool) -> bool:
    """Registers a private chat's menu; whether Telegram took it (a failure is logged, not raised:
    the menu is a convenience, and every command works typed)."""
    try:
        for language_code, commands in chat_menus(locale, admin):
            await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=chat_id), language_code=language_code)
    except TelegramError as error:
        logger.warning("Could not set the command menu of chat %s: %s", chat_id, error)
        return False
    return True


async def register_commands(bot: Bot, admin_user_ids: Iterable[int], chosen_locale: ChosenLocale | None = None) -> None:
    """Command menus: one for private chats, one for groups, and the admin commands in each
    admin's chat (in the language they chose with /lang, if they did: `chosen_locale`).

    Telegram being unreachable does not stop the bot: the menus are retried for a while, then
    left as they were (they are a convenience; every command also works typed)."""

    async def set_menus() -> None:  # all at once: each is a round trip, and start-up waits for them
        await asyncio.gather(
            *(
                bot.set_my_commands(menu(commands, t), scope=scope, language_code=language_code)
                for language_code, t in menu_languages()
                for commands, scope in (
                    (PRIVATE_COMMANDS, BotCommandScopeDefault()),
                    (PRIVATE_COMMANDS, BotCommandScopeAllPrivateChats()),
                    (GROUP_COMMANDS, BotCommandScopeAllGroupChats()),
                )
            )
        )

    try:
        await retry_until_done(
            set_menus, "Registering the command menus", deadline=COMMAND_REGISTRATION_DEADLINE_SECONDS
        )
    except TelegramError as error:
        logger.warning("Could not register the command menus (%s); the commands still work", error)
        return
    for admin_id in sorted(admin_user_ids):
        await set_chat_menu(bot, admin_id, await chosen_or_none(chosen_locale, admin_id), admin=True)


async def chosen_or_none(chosen_locale: ChosenLocale | None, user_id: int) -> str | None:
    if chosen_locale is None:
        return None
    try:
        locale = await chosen_locale(user_id)
    except Exception:
        logger.exception("Could not read user %s's language; their menu follows their app's", user_id)
        return None
    return locale if locale in i18n.LOCALES else None
