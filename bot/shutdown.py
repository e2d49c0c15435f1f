"""Stopping within bounds: SIGTERM or SIGINT stops taking updates at once, abandons a running rebuild
(the live index stays), gives the questions in flight a short grace to be answered, and exits within
STOP_LIMIT_SECONDS whatever happens, inside the stop timeouts of systemd (90 s) and Docker (10 s)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from collections.abc import Awaitable, Callable, Generator
from typing import Any, TypeVar

from telegram.ext import Application

logger = logging.getLogger(__name__)
RT = TypeVar("RT")

IN_FLIGHT_GRACE_SECONDS = 4.0  # then work still running is cancelled, leaving the question log 3 s to flush
STOP_LIMIT_SECONDS = 9.5  # then the process exits even if something cannot be stopped
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StoppableApplication(Application):
    """python-telegram-bot's Application, remembering the tasks it runs (every update, with concurrent
    updates, and everything handed to create_task), so a stop can cancel what outlives its grace."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.in_flight: set[asyncio.Task] = set()

    def create_task(
        self,
        coroutine: Generator[asyncio.Future[object], None, RT] | Awaitable[RT],
        update: object | None = None,
        *,
        name: str | None = None,
    ) -> asyncio.Task[RT]:
        task = super().create_task(coroutine, update=update, name=name)
        self.in_flight.add(task)
        task.add_done_callback(self.in_flight.discard)
        return task


class GracefulStop:
    """Installed by post_init in place of run_polling's own signal handling (stop_signals=None)."""

    def __init__(
        self,
        abandon_builds: Callable[[], None],
        grace: float = IN_FLIGHT_GRACE_SECONDS,
        limit: float = STOP_LIMIT_SECONDS,
    ) -> None:
        self.abandon_builds = abandon_builds
        self.grace = grace
        self.limit = limit
        self.requested = False

    def install(self, application: Application) -> None:
        loop = asyncio.get_running_loop()
        for signum in STOP_SIGNALS:
            loop.add_signal_handler(signum, self.request, application, signum)

    def request(self, application: Application, signum: int = signal.SIGTERM) -> None:
        if self.requested:
            return
        self.requested = True
        logger.info("%s: stopping (at most %.1f s)", signal.Signals(signum).name, self.limit)
        self.abandon_builds()
        application.stop_running()
        asyncio.get_running_loop().call_later(self.grace, self.cancel_stragglers, application)
        deadline = threading.Timer(self.limit, self.exit_now)
        deadline.daemon = True
        deadline.start()

    def cancel_stragglers(self, application: Application) -> None:
        stragglers = [task for task in getattr(application, "in_flight", ()) if not task.done()]
        if stragglers:
            logger.warning(
                "Stopping: %d update(s) still in flight after %.1f s, cancelled", len(stragglers), self.grace
            )
        for task in stragglers:
            task.cancel()

    def exit_now(self) -> None:
        # Only reached if the orderly stop is stuck (e.g. a thread that cannot be interrupted): the
        # index on disk is safe at any instant, so leaving now loses nothing but the stuck work.
        logger.error("Stopping took longer than %.1f s; exiting now", self.limit)
        logging.shutdown()
        os._exit(1)
