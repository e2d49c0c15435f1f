"""Wiring: the python-telegram-bot Application, its command menus, and the polling loop."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import AsyncIterator, Iterable
from datetime import timedelta
from http import HTTPStatus
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, Defaults
from telegram.request import HTTPXRequest

from citebot.services import open_library
from citebot.settings import Settings

from . import i18n
from .handlers import DocumentLibrary, Handlers
from .i18n import N_, Translator
from .resilience import OutageLog, ResilientRateLimiter, is_transient, retry_until_done
from .shutdown import GracefulStop, StoppableApplication
from .store import QuestionLog

logger = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS = 10
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
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
    """Command menus: one for private chats, one for groups, and /reindex for each admin.

    Telegram being unreachable does not stop the bot: the menus are retried for a while, then
    left as they were (they are a convenience; every command also works typed)."""
    bot = application.bot

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
    for language_code, t in menu_languages():
        for admin_id in sorted(admin_user_ids):
            try:
                await bot.set_my_commands(
                    menu(ADMIN_COMMANDS, t), scope=BotCommandScopeChat(chat_id=admin_id), language_code=language_code
                )
            except TelegramError as error:
                logger.warning("Could not set the admin command menu for user %s: %s", admin_id, error)


class PollingRequest(HTTPXRequest):
    """The connection that long-polls getUpdates: logs an outage once, and its end once."""

    def __init__(self) -> None:
        super().__init__(connection_pool_size=1)
        self.outage = OutageLog("Polling for updates")

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        try:
            code, payload = await super().do_request(*args, **kwargs)
        except TelegramError as error:
            if is_transient(error):
                self.outage.failed(error)
            raise
        if code >= HTTPStatus.INTERNAL_SERVER_ERROR:
            self.outage.failed(NetworkError(f"HTTP {code}"))
        elif code < HTTPStatus.BAD_REQUEST:
            self.outage.succeeded()
        return code, payload


def polling_error(error: TelegramError) -> None:
    """Updater error callback: transient failures are already logged once per outage."""
    if is_transient(error):
        logger.debug("Polling failed: %s", error)
    else:
        logger.error("Polling failed: %s", error)


def build_application(
    settings: Settings,
    library: DocumentLibrary,
    store: QuestionLog,
    *,
    owns_store: bool = False,
    read_timeout: float | None = None,
    graceful_stop: GracefulStop | None = None,
) -> Application:
    """The bot. With `owns_store`, the question log is opened on start-up and closed on shutdown;
    with `graceful_stop`, SIGINT and SIGTERM stop it within bounds."""
    handlers = Handlers(library, store, settings)
    builder = (
        ApplicationBuilder()
        .application_class(StoppableApplication)
        .token(require_token(settings))
        .concurrent_updates(True)
        .rate_limiter(ResilientRateLimiter())
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .get_updates_request(PollingRequest())
        .post_init(
            functools.partial(
                start_up,
                store=store if owns_store else None,
                admin_user_ids=settings.admin_user_ids,
                graceful_stop=graceful_stop,
            )
        )
    )
    if owns_store:
        builder = builder.post_shutdown(lambda _: store.close())
    if read_timeout is not None:
        builder = builder.read_timeout(read_timeout)
    if settings.telegram_api_base_url:
        builder = builder.base_url(settings.telegram_api_base_url)
        if file_url := file_url_for(settings.telegram_api_base_url):
            builder = builder.base_file_url(file_url)
    application = builder.build()
    handlers.register(application)
    return application


async def start_up(
    application: Application,
    store: QuestionLog | None,
    admin_user_ids: Iterable[int],
    graceful_stop: GracefulStop | None = None,
) -> None:
    """post_init: the stop signals, the question log (if the application owns it), the command menus."""
    if graceful_stop is not None:
        graceful_stop.install(application)
    if store is not None:
        await store.open()
    await register_commands(application, admin_user_ids)
    logger.info("Bot @%s is polling for updates", application.bot.username)


@contextlib.asynccontextmanager
async def running(application: Application, poll_timeout: float = POLL_TIMEOUT_SECONDS) -> AsyncIterator[Application]:
    """Polls and handles updates until the block ends: `run_polling` for an event loop that is
    already running (tests), with the same start-up and shutdown hooks."""
    assert application.updater is not None, "built with an Updater"
    async with application:
        if application.post_init:
            await application.post_init(application)
        await application.updater.start_polling(
            timeout=timedelta(seconds=poll_timeout), allowed_updates=ALLOWED_UPDATES, error_callback=polling_error
        )
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
    if application.post_shutdown:
        await application.post_shutdown(application)


def run_bot(settings: Settings, library: DocumentLibrary | None = None) -> None:
    """Runs the bot until SIGINT or SIGTERM (python-telegram-bot's run_polling)."""
    require_token(settings)
    if library is None:
        library = open_library(settings)
    # While python-telegram-bot connects and registers the menus, not after the first question came.
    threading.Thread(target=library.warm_up, name="warm-up", daemon=True).start()
    application = build_application(
        settings,
        library,
        QuestionLog(settings.db_path),
        owns_store=True,
        graceful_stop=GracefulStop(library.abandon_builds),
    )
    application.run_polling(
        timeout=timedelta(seconds=POLL_TIMEOUT_SECONDS),
        allowed_updates=ALLOWED_UPDATES,
        bootstrap_retries=-1,
        stop_signals=None,  # GracefulStop handles them, with bounds
    )
    logger.info("Bot stopped")
