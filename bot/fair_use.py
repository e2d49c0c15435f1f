"""Fair use: a per-user limit on questions, and model turns shared fairly between users.

A flood from one user must not slow anyone else down. Two things make sure of it:
- `RateLimiter` refuses a user's questions over the limit at once, before the model is touched,
  and tells them only once per refusal period when to try again (so a flood does not turn into
  a flood of refusals that would use up the bot's own sending budget).
- `FairScheduler` lets each user have one question at the model at a time, and only `slots`
  questions run at once overall: another user's question waits for at most one turn of the
  flooding user's, not for their whole queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Hashable
from dataclasses import dataclass

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0  # whole seconds until the next question would be allowed
    notify: bool = False  # whether to tell the user (the first refusal of a refusal period)


class RateLimiter:
    """At most `limit` questions per user in any `window` seconds (a sliding window)."""

    def __init__(self, limit: int, window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._asked: dict[Hashable, deque[float]] = {}
        self._told_until: dict[Hashable, float] = {}
        self._checks = 0

    def check(self, user: Hashable, announce: bool = True) -> Decision:
        """Counts a question if it is allowed. A refusal with `announce` false (one that tells the
        user anyway, such as an inline result) does not use up the one notice per refusal period."""
        now = self.clock()
        self._sweep(now)
        asked = self._asked.setdefault(user, deque())
        while asked and asked[0] <= now - self.window:
            asked.popleft()
        if len(asked) < self.limit:
            asked.append(now)
            return Decision(True)
        free_at = asked[0] + self.window
        notify = announce and self._told_until.get(user, -math.inf) < now
        if notify:
            self._told_until[user] = free_at
        return Decision(False, min(math.ceil(self.window), max(1, math.ceil(free_at - now))), notify)

    def _sweep(self, now: float) -> None:
        """Forgets users idle for a whole window, so memory stays bounded by the active users."""
        self._checks += 1
        if self._checks % 1000:
            return
        for user in [u for u, asked in self._asked.items() if not asked or asked[-1] <= now - self.window]:
            del self._asked[user]
            self._told_until.pop(user, None)


class FairScheduler:
    """Model turns: one at a time per user, `slots` at a time overall, in order of arrival."""

    def __init__(self, slots: int = 2) -> None:
        self._slots = asyncio.Semaphore(slots)
        self._users: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def turn(self, user: Hashable) -> AsyncIterator[None]:
        lock = self._enter(user)
        try:
            async with lock, self._slots:
                yield
        finally:
            self._leave(user)

    def waiting(self, user: Hashable) -> int:
        """How many of the user's questions are running or waiting for their turn."""
        return self._users.get(user, (None, 0))[1]

    def _enter(self, user: Hashable) -> asyncio.Lock:
        lock, count = self._users.get(user) or (asyncio.Lock(), 0)
        self._users[user] = (lock, count + 1)
        return lock

    def _leave(self, user: Hashable) -> None:
        lock, count = self._users[user]
        if count <= 1:
            del self._users[user]
        else:
            self._users[user] = (lock, count - 1)


class FairUse:
    """The bot's fair-use policy: the per-user limit (admins exempt) and the shared model turns."""

    def __init__(self, limit_per_minute: int, admin_user_ids: frozenset[int], slots: int = 2) -> None:
        self.limit = limit_per_minute
        self.limiter = RateLimiter(limit_per_minute) if limit_per_minute > 0 else None
        self.scheduler = FairScheduler(slots)
        self.admin_user_ids = admin_user_ids

    def check(self, user_id: int | None, announce: bool = True) -> Decision:
        if self.limiter is None or user_id in self.admin_user_ids:
            return Decision(True)
        return self.limiter.check(user_id, announce)

    def turn(self, user_id: int | None) -> contextlib.AbstractAsyncContextManager[None]:
        return self.scheduler.turn(user_id)
