"""Telegram on a bad day: which failures are worth another try, how long to wait, what to log.

Retried: 5xx answers, connection failures and resets, bodies that are not JSON, and timeouts,
each after a backoff with full jitter, at most `TRANSIENT_ATTEMPTS` times. Never retried: what
Telegram refused on purpose (BadRequest, Forbidden, InvalidToken, Conflict).

Sending a message is not idempotent: Telegram has no request ids. A read or write timeout means
the request may well have been carried out (Telegram is slow, not down), so a send that timed
out this way is not retried: the user may miss a part, but never gets the answer twice. A reset
connection or a garbled answer is retried even for sends: those come from proxies and broken
connections in front of Telegram far more often than after a message went out, so a rare
duplicate is the price of not losing answers.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import random
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any, TypeVar

import httpx
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import AIORateLimiter
from telegram.warnings import PTBDeprecationWarning

logger = logging.getLogger(__name__)

T = TypeVar("T")

TRANSIENT_ATTEMPTS = 4
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 4.0
FLOOD_RETRIES = 2
MAX_FLOOD_WAIT_SECONDS = 10.0
REFUSALS = (BadRequest, Forbidden, InvalidToken, Conflict, ChatMigrated, EndPointNotFound, RetryAfter)
NEVER_LEFT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class FloodWaitTooLong(TelegramError):
    """Telegram asked us to wait longer than we keep a user waiting."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"Flood control: Telegram asks to wait {seconds:.0f} s")
        self.seconds = seconds


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        delay = error.retry_after
    return delay.total_seconds() if isinstance(delay, dtm.timedelta) else float(delay)


def creates_messages(endpoint: str) -> bool:
    """Calls that post something new: doing one twice shows it twice."""
    name = endpoint.lower()
    return (name.startswith(("send", "forward", "copy")) and name != "sendchataction") or name == "sendmediagroup"


def may_have_happened(error: TimedOut) -> bool:
    """A timeout after the request went out (read/write), rather than before (connect/pool)."""
    return not isinstance(error.__cause__, NEVER_LEFT) and "Pool timeout" not in error.message


def is_transient(error: BaseException, endpoint: str = "") -> bool:
    """Whether another try of the same call may well succeed (and is safe for this endpoint)."""
    if not isinstance(error, TelegramError) or isinstance(error, (*REFUSALS, FloodWaitTooLong)):
        return False
    if isinstance(error, TimedOut):
        return not (creates_messages(endpoint) and may_have_happened(error))
    if isinstance(error, NetworkError):
        return True
    return error.message == "Invalid server response"  # not JSON: a proxy's page, a cut-off body


def backoff_delays(base: float = BACKOFF_BASE_SECONDS, cap: float = BACKOFF_CAP_SECONDS) -> Iterator[float]:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**n)]."""
    attempt = 0
    while True:
        yield random.uniform(0, min(cap, base * 2**attempt))
        attempt += 1


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


class ResilientRateLimiter(AIORateLimiter):
    """python-telegram-bot's AIORateLimiter (pacing below Telegram's limits, 429 retries), plus:

    - a flood wait longer than `max_flood_wait` is not sat out: it raises FloodWaitTooLong;
    - transient failures are retried with backoff and jitter, at most `attempts` tries in all.
    """

    def __init__(
        self,
        *,
        attempts: int = TRANSIENT_ATTEMPTS,
        max_flood_wait: float = MAX_FLOOD_WAIT_SECONDS,
        flood_retries: int = FLOOD_RETRIES,
    ) -> None:
        super().__init__(max_retries=flood_retries)
        self.attempts = attempts
        self.max_flood_wait = max_flood_wait

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict | list[dict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict | list[dict]:
        async def bounded_flood_wait(*call_args: Any, **call_kwargs: Any) -> bool | dict | list[dict]:
            try:
                return await callback(*call_args, **call_kwargs)
            except RetryAfter as error:
                if retry_after_seconds(error) > self.max_flood_wait:
                    raise FloodWaitTooLong(retry_after_seconds(error)) from error
                raise

        delays = backoff_delays()
        for attempt in range(1, self.attempts + 1):
            try:
                return await super().process_request(bounded_flood_wait, args, kwargs, endpoint, data, rate_limit_args)
            except TelegramError as error:
                if attempt == self.attempts or not is_transient(error, endpoint):
                    raise
                delay = next(delays)
                logger.warning(
                    "Telegram %s failed (%s); try %d of %d in %.1f s",
                    endpoint,
                    describe(error),
                    attempt + 1,
                    self.attempts,
                    delay,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")


class OutageLog:
    """One log line when Telegram becomes unreachable, one when it is back: not one per try."""

    def __init__(self, what: str, log: logging.Logger = logger) -> None:
        self.what = what
        self.log = log
        self.since: float | None = None
        self.failures = 0

    def failed(self, error: BaseException) -> None:
        self.failures += 1
        if self.since is None:
            self.since = time.monotonic()
            self.log.warning("%s: Telegram unreachable (%s); retrying until it is back", self.what, describe(error))
        else:
            self.log.debug("%s: still failing (%s)", self.what, describe(error))

    def succeeded(self) -> None:
        if self.since is not None:
            self.log.warning(
                "%s: Telegram reachable again after %.0f s (%d failed tries)",
                self.what,
                time.monotonic() - self.since,
                self.failures,
            )
        self.since, self.failures = None, 0


async def retry_until_done(
    call: Callable[[], Awaitable[T]], what: str, *, deadline: float | None = None, cap: float = 30.0
) -> T:
    """Retries a transient failure of `call` with backoff (unbounded, or until `deadline` seconds
    have passed, then the last error is raised); other errors are raised at once."""
    outage = OutageLog(what)
    delays = backoff_delays(cap=cap)
    started = time.monotonic()
    while True:
        try:
            result = await call()
        except Exception as error:
            if not is_transient(error) or (deadline is not None and time.monotonic() - started > deadline):
                raise
            outage.failed(error)
            await asyncio.sleep(max(0.2, next(delays)))
            continue
        outage.succeeded()
        return result
