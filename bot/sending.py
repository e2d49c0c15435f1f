"""Getting messages out: the typing indicator, multi-part HTML replies, and whether they arrived.

Parse mode and link previews come from the Application's Defaults; pacing, flood waits and
retries of transient failures from its rate limiter (bot/resilience.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError, TimedOut

logger = logging.getLogger(__name__)

TYPING_REFRESH_SECONDS = 4.0
NO_LINK_PREVIEW = LinkPreviewOptions(is_disabled=True)  # for inline results; messages get it from Defaults


def thread_of(message: Message) -> int | None:
    return message.message_thread_id if message.is_topic_message else None


async def send_typing(bot: Bot, message: Message) -> None:
    try:
        await bot.send_chat_action(message.chat_id, ChatAction.TYPING, message_thread_id=thread_of(message))
    except TelegramError as error:
        logger.info("Could not send the typing action to chat %s: %s", message.chat_id, error)


@contextlib.asynccontextmanager
async def typing(bot: Bot, message: Message, after: float = 0.0) -> AsyncIterator[None]:
    """Shows 'typing…' in the message's chat from `after` seconds on until the block ends."""

    async def show() -> None:
        await asyncio.sleep(after)
        while True:
            await send_typing(bot, message)
            await asyncio.sleep(TYPING_REFRESH_SECONDS)

    task = asyncio.create_task(show())
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
            do_quote=False,
            reply_parameters=reply_parameters_for(message),
            reply_markup=reply_markup if number == len(parts) else None,
        )
        for number, part in enumerate(parts, start=1)
    ]


@dataclass
class Delivery:
    """What became of a multi-part reply. `delivered` is None when a part timed out: Telegram may
    have delivered it (a send that may have happened is never repeated, see bot/resilience.py)."""

    sent: list[Message] = field(default_factory=list)
    unconfirmed: int = 0

    @property
    def delivered(self) -> bool | None:
        return True if not self.unconfirmed else None


async def deliver(message: Message, parts: Sequence[str], reply_markup: InlineKeyboardMarkup | None = None) -> Delivery:
    """Sends every part; a part whose answer timed out is counted, not resent. Other failures
    (after the rate limiter's retries) raise."""
    delivery = Delivery()
    for number, part in enumerate(parts, 1):
        try:
            markup = reply_markup if number == len(parts) else None
            delivery.sent.extend(await reply_html(message, [part], reply_markup=markup))
        except TimedOut as error:
            delivery.unconfirmed += 1
            logger.warning(
                "Part %d of %d for chat %s timed out (%s); it may have arrived, so it is not resent",
                number,
                len(parts),
                message.chat_id,
                error,
            )
    return delivery
