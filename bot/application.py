"""Wiring: the python-telegram-bot Application, its command menus, and the polling loop."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
from collections.abc import AsyncIterator, Iterable
from datetime import timedelta

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder

from citebot.services import open_library
from citebot.settings import Settings

from . import i18n
from .handlers import DocumentLibrary, Handlers
from .i18n import N_, Translator
from .resilience import retry_until_done
from .sending import FloodRetry
from .store import QuestionLog

logger = logging.getLogger(__name__)

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


class MissingTokenError(RuntimeError):
    """The bot cannot start without TELEGRAM_BOT_TOKEN."""


def require_token(settings: Settings) -> str:
    if not settings.telegram_bot_token:
        raise MissingTokenError(
            "No Telegram bot token: set TELEGRAM_BOT_TOKEN in the environment or in .env (get one from @BotFather)."
        )
    return settings.telegram_bot_token


async def check_token(settings: Settings) -> str:
    """Asks Telegram who the bot is (getMe), retrying while Telegram is unreachable; returns its
    username. Raises InvalidToken at once if Telegram rejects the token."""

    async def get_me() -> str:
        base_url = settings.telegram_api_base_url or "https://api.telegram.org/bot"
        async with Bot(require_token(settings), base_url=base_url) as bot:
            return bot.username

    return await retry_until_done(get_me, "Checking the bot token")


def file_url_for(base_url: str) -> str | None:
    """The Bot API file URL that goes with a base URL such as http://host:8081/bot."""
    head, found, tail = base_url.rpartition("/bot")
    return f"{head}/file/bot{tail}" if found else None


def menu(commands: Iterable[tuple[str, str]], t: Translator) -> list[BotCommand]:
    return [BotCommand(command, t.gettext(description)) for command, description in commands]


def menu_languages() -> list[tuple[str | None, Translator]]:
    """(Telegram language_code, translator): English is the menu for every other language."""
    return [(None, i18n.translator(i18n.ENGLISH))] + [
        (i18n.DOCUMENT_LANGUAGES[locale], i18n.translator(locale)) for locale in i18n.TRANSLATED_LOCALES
    ]


async def register_commands(application: Application, admin_user_ids: Iterable[int]) -> None:
    """Command menus in each language: private chats, groups, and /reindex for each admin."""
    bot = application.bot
    for language_code, t in menu_languages():
        await bot.set_my_commands(
            menu(PRIVATE_COMMANDS, t), scope=BotCommandScopeDefault(), language_code=language_code
        )
        await bot.set_my_commands(
            menu(PRIVATE_COMMANDS, t), scope=BotCommandScopeAllPrivateChats(), language_code=language_code
        )
        await bot.set_my_commands(
            menu(GROUP_COMMANDS, t), scope=BotCommandScopeAllGroupChats(), language_code=language_code
        )
        for admin_id in sorted(admin_user_ids):
            try:
                await bot.set_my_commands(
                    menu(ADMIN_COMMANDS, t), scope=BotCommandScopeChat(chat_id=admin_id), language_code=language_code
                )
            except TelegramError as error:
                logger.warning("Could not set the admin command menu for user %s: %s", admin_id, error)


def build_application(settings: Settings, library: DocumentLibrary, store: QuestionLog) -> Application:
    builder = (
        ApplicationBuilder()
        .token(require_token(settings))
        .concurrent_updates(True)
        .rate_limiter(FloodRetry())
        .post_init(functools.partial(register_commands, admin_user_ids=settings.admin_user_ids))
    )
    if settings.telegram_api_base_url:
        builder = builder.base_url(settings.telegram_api_base_url)
        if file_url := file_url_for(settings.telegram_api_base_url):
            builder = builder.base_file_url(file_url)
    application = builder.build()
    Handlers(library, store, settings).register(application)
    return application


@contextlib.asynccontextmanager
async def running(application: Application, poll_timeout: float = 10.0) -> AsyncIterator[Application]:
    """Polls Telegram and handles updates until the block ends (run_polling for a running loop)."""
    assert application.updater is not None, "built with an Updater"
    async with application:
        if application.post_init:
            await application.post_init(application)
        await application.updater.start_polling(
            timeout=timedelta(seconds=poll_timeout),
            allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY],
        )
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Opens the library (building its index on first start) and the question log, then polls until `stop`."""
    require_token(settings)
    library = await asyncio.to_thread(open_library, settings)
    async with QuestionLog(settings.db_path) as store:
        async with running(build_application(settings, library, store)) as application:
            logger.info("Bot @%s is polling for updates", application.bot.username)
            await stop.wait()
    logger.info("Bot stopped")


async def serve_until_signal(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    await serve(settings, stop)


def run_bot(settings: Settings) -> None:
    """Runs the bot until SIGINT or SIGTERM."""
    require_token(settings)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(serve_until_signal(settings))
