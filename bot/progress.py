"""A long job's progress as one message edited in place, at most one edit every few seconds.

The job runs in a worker thread and reports (stage, done, total) through `report`, which only
records the latest state; the event loop edits the message from it on its own schedule, so the
worker never waits for Telegram and Telegram's flood limits on edits are respected.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable

from telegram import Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from .sending import reply_html

logger = logging.getLogger(__name__)

EDIT_INTERVAL_SECONDS = 2.0

State = tuple[str, int, int]


def not_modified(error: BadRequest) -> bool:
    return "message is not modified" in str(error).lower()


class ProgressMessage:
    """`async with ProgressMessage.open(reply_to, first_text, render) as progress:` then
    pass `progress.report` to the job and `await progress.finish(text)` at the end."""

    def __init__(
        self,
        message: Message | None,
        render: Callable[[State], str],
        interval: float = EDIT_INTERVAL_SECONDS,
        reply_to: Message | None = None,
    ) -> None:
        self.message = message
        self.reply_to = reply_to
        self.render = render
        self.interval = interval
        self._latest: State | None = None
        self._lock = threading.Lock()
        self._editing = asyncio.Lock()
        self._finished = False
        self._shown = ""

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls, reply_to: Message, first_text: str, render: Callable[[State], str], interval: float = EDIT_INTERVAL_SECONDS
    ) -> AsyncIterator[ProgressMessage]:
        message: Message | None = None
        try:
            [message] = await reply_html(reply_to, [first_text])
        except TelegramError as error:
            # Timed out (it may still have arrived) or a long flood wait: the job runs all the same,
            # and its outcome is sent as a message of its own (finish).
            logger.warning("Could not send the progress message: %s", error)
        progress = cls(message, render, interval, reply_to)
        progress._shown = first_text if message is not None else ""
        task = asyncio.create_task(progress._keep_editing())
        try:
            yield progress
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def report(self, stage: str, done: int, total: int) -> None:
        """Called from the job's thread."""
        with self._lock:
            self._latest = (stage, done, total)

    async def finish(self, text: str) -> None:
        """The last edit: no progress edit can come after it. If the message cannot show it (it was
        never sent, or the edit failed), the outcome is sent as a new message: an admin must never
        be left looking at "Rebuilding…"."""
        self._finished = True
        async with self._editing:
            if await self._edit(text) or self.reply_to is None:
                return
            try:
                await reply_html(self.reply_to, [text])
            except TelegramError as error:
                logger.warning("Could not send the outcome of a long job: %s", error)

    async def _keep_editing(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            with self._lock:
                latest = self._latest
            async with self._editing:
                if latest is not None and not self._finished:
                    await self._edit(self.render(latest))

    async def _edit(self, text: str) -> bool:
        """Whether the message now shows text."""
        if self.message is None:
            return False
        if text == self._shown:
            return True
        try:
            await self.message.edit_text(text, parse_mode=ParseMode.HTML)
        except BadRequest as error:
            if not not_modified(error):
                logger.warning("Could not edit the progress message: %s", error)
                return False
        except TelegramError as error:
            logger.warning("Could not edit the progress message: %s", error)
            return False
        self._shown = text
        return True
