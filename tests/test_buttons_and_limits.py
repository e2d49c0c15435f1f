"""Callback data and the fair-use limiter, on odd inputs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from citebot.bot import buttons
from citebot.bot.fair_use import RateLimiter

ids = st.integers(min_value=1, max_value=10**18 - 1)


@given(ids, st.sampled_from([1, -1]))
def test_vote_data_fits_telegram_and_reads_back(answer_id, vote):
    data = buttons.vote_data(answer_id, vote)
    assert len(data.encode()) <= buttons.MAX_CALLBACK_DATA_BYTES
    assert buttons.parse_press(data) == buttons.Vote(answer_id, vote)
    assert buttons.parse_press(buttons.more_data(answer_id)) == buttons.More(answer_id)
    assert buttons.parse_press(buttons.confirm_data(answer_id, False)) == buttons.Confirm(answer_id, False)


@given(st.text(max_size=80))
def test_any_other_data_is_not_understood(data):
    press = buttons.parse_press(data)
    assert press is None or data in {
        buttons.vote_data(getattr(press, "answer_id", 0), getattr(press, "vote", 1)),
        buttons.more_data(getattr(press, "answer_id", 0)),
        buttons.confirm_data(getattr(press, "action_id", 0), getattr(press, "confirmed", True)),
    }


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@given(st.lists(st.floats(min_value=0, max_value=30), max_size=60), st.integers(min_value=1, max_value=12))
def test_no_user_gets_more_than_the_limit_in_any_window_and_is_told_once(gaps, limit):
    clock = Clock()
    limiter = RateLimiter(limit, window=60, clock=clock)
    allowed_at, notices = [], 0
    for gap in gaps:
        clock.now += gap
        decision = limiter.check("user")
        if decision.allowed:
            allowed_at.append(clock.now)
        else:
            notices += decision.notify
            assert 1 <= decision.retry_after <= 60
    for start in allowed_at:
        assert len([t for t in allowed_at if start <= t < start + 60]) <= limit
    refused = len(gaps) - len(allowed_at)
    assert notices <= refused and (refused == 0 or notices >= 1)
    assert limiter.check("someone else").allowed
