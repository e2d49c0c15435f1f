"""Wiring: the python-telegram-bot Application, its command menus, and the polling loop."""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import AsyncIterator, Iterable
from datetime import timedelta
from http import HTTPStatus
from typing import Any

from telegram import Bot, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, Defaults
from telegram.request import HTTPXRequest

from citebot.index.library import ReindexInProgress
from citebot.index.storage.checkpoints import BuildAbandoned
from citebot.index.storage.store import IndexWriteFailed
from citebot.services import open_library
from citebot.settings import Settings

from .handlers import DocumentLibrary, Handlers
from .menus import ChosenLocale, register_commands
from .resilience import OutageLog, ResilientRateLimiter, is_transient, retry_until_done
from .shutdown import GracefulStop, StoppableApplication
from .store import QuestionLog

logger = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS = 10
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]


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
                library=library,
                store=store if owns_store else None,
                admin_user_ids=settings.admin_user_ids,
                chosen_locale=store.reader_locale,
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
    library: DocumentLibrary,
    store: QuestionLog | None,
    admin_user_ids: Iterable[int],
    chosen_locale: ChosenLocale | None = None,
    graceful_stop: GracefulStop | None = None,
) -> None:
    """post_init: the stop signals, the question log (if the application owns it), the command menus
    (an admin's in the language they chose with /lang, read through `chosen_locale`), and a rebuild
    of an index built by an older recipe, while the old one answers."""
    if graceful_stop is not None:
        graceful_stop.install(application)
    if store is not None:
        await store.open()
    await register_commands(application.bot, admin_user_ids, chosen_locale)
    if parts := library.outdated():
        logger.info("The index was built with an older %s; rebuilding it while it answers", " and ".join(parts))
        threading.Thread(target=rebuild, args=(library,), name="citebot-rebuild-outdated", daemon=True).start()
    logger.info("Bot @%s is polling for updates", application.bot.username)


def rebuild(library: DocumentLibrary) -> None:
    """A rebuild, in a thread of its own while the bot answers (a stop abandons it: the live index
    stays); one already running (an admin's /reindex) is left to finish."""
    try:
        report = library.reindex()
    except (ReindexInProgress, BuildAbandoned):  # an admin's rebuild is running, or the bot is stopping
        return
    except IndexWriteFailed as error:  # a full disk, say: a line for the operator, no traceback
        logger.error("The rebuild of the outdated index failed: %s", error)
        return
    except Exception:
        logger.exception("The rebuild of the outdated index failed; the old index goes on answering")
        return
    logger.info("Rebuilt the index: %d chunks in %.1f s", report.chunks, report.seconds)


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
        library = open_library(settings, rebuild_if_outdated=False)  # rebuilt by start_up, while answering
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
