"""Getting messages out: flood-limit retries, the typing indicator, multi-part HTML replies."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import itertools
import logging
import warnings
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

logger = logging.getLogger(__name__)

TYPING_REFRESH_SECONDS = 4.0
NO_LINK_PREVIEW = LinkPreviewOptions(is_disabled=True)


def retry_delay_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        delay = error.retry_after
    return delay.total_seconds() if isinstance(delay, dtm.timedelta) else float(delay)


class FloodRetry(BaseRateLimiter[int]):
    """Retries a request Telegram refused with 429 after the wait it asks for, a bounded number of times.

    `rate_limit_args` of a bot call overrides the number of retries for that call.
    """

    def __init__(self, max_retries: int = 3, max_wait_seconds: float = 60.0) -> None:
        self.max_retries = max_retries
        self.max_wait_seconds = max_wait_seconds

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict | list[dict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict | list[dict]:
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        for attempt in itertools.count():
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                delay = retry_delay_seconds(error)
                if attempt >= retries or delay > self.max_wait_seconds:
                    raise
                logger.warning("Flood limit on %s; retrying in %.1f s", endpoint, delay)
                await asyncio.sleep(delay + 0.05)
        raise AssertionError("unreachable")


def thread_of(message: Message) -> int | None:
    return message.message_thread_id if message.is_topic_message else None


async def send_typing(bot: Bot, message: Message) -> None:
    try:
        await bot.send_chat_action(message.chat_id, ChatAction.TYPING, message_thread_id=thread_of(message))
    except TelegramError as error:
        logger.info("Could not send the typing action to chat %s: %s", message.chat_id, error)


@contextlib.asynccontextmanager
async def typing(bot: Bot, message: Message) -> AsyncIterator[None]:
    """Shows 'typing…' in the message's chat until the block ends."""

    async def refresh() -> None:
        while True:
            await asyncio.sleep(TYPING_REFRESH_SECONDS)
            await send_typing(bot, message)

    await send_typing(bot, message)
    task = asyncio.create_task(refresh())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def reply_parameters_for(message: Message) -> ReplyParameters | None:
    """In groups, where conversations interleave, replies quote the asker's message (if it still exists)."""
    if message.chat.type == ChatType.PRIVATE:
        return None
    return ReplyParameters(message.message_id, allow_sending_without_reply=True)


async def reply_html(
    message: Message, parts: Sequence[str], reply_markup: InlineKeyboardMarkup | None = None
) -> list[Message]:
    """Sends the parts in order; `reply_markup` (buttons) goes under the last one."""
    return [
        await message.reply_text(
            part,
            parse_mode=ParseMode.HTML,
            do_quote=False,
            reply_parameters=reply_parameters_for(message),
            link_preview_options=NO_LINK_PREVIEW,
            reply_markup=reply_markup if number == len(parts) else None,
        )
        for number, part in enumerate(parts, start=1)
    ]
