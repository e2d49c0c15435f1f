"""Inline keyboards and their callback data (at most 64 bytes, as Telegram requires).

- `v:+:<answer id>` / `v:-:<answer id>`: a 👍 or 👎 vote on an answer
- `m:<answer id>`: more excerpts for the answer's question
- `c:y:<action id>` / `c:n:<action id>`: confirm or cancel an admin action waiting in SQLite
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from . import replies
from .i18n import Translator

MAX_CALLBACK_DATA_BYTES = 64
_DATA = re.compile(r"(?:v:(?P<vote>[+-])|(?P<more>m)|c:(?P<confirm>[yn])):(?P<id>[1-9][0-9]{0,17})")
# What CallbackQueryHandler routes here; anything else goes to the handler of stale buttons.
PATTERN = re.compile(r"^[vmc]:")


@dataclass(frozen=True)
class Vote:
    answer_id: int
    vote: int


@dataclass(frozen=True)
class More:
    answer_id: int


@dataclass(frozen=True)
class Confirm:
    action_id: int
    confirmed: bool


Press = Vote | More | Confirm


def parse_press(data: str | None) -> Press | None:
    """What a button press asks for; None for data this bot never sent (or no longer understands)."""
    match = _DATA.fullmatch(data or "")
    if match is None:
        return None
    number = int(match.group("id"))
    if match.group("vote"):
        return Vote(number, 1 if match.group("vote") == "+" else -1)
    if match.group("more"):
        return More(number)
    return Confirm(number, match.group("confirm") == "y")


def vote_data(answer_id: int, vote: int) -> str:
    return f"v:{'+' if vote > 0 else '-'}:{answer_id}"


def more_data(answer_id: int) -> str:
    return f"m:{answer_id}"


def confirm_data(action_id: int, confirmed: bool) -> str:
    return f"c:{'y' if confirmed else 'n'}:{action_id}"


def answer_keyboard(t: Translator, answer_id: int, votes: bool = True, more: bool = True) -> InlineKeyboardMarkup:
    row = []
    if votes:
        row += [
            InlineKeyboardButton("👍", callback_data=vote_data(answer_id, 1)),
            InlineKeyboardButton("👎", callback_data=vote_data(answer_id, -1)),
        ]
    if more:
        row.append(InlineKeyboardButton(replies.more_button(t), callback_data=more_data(answer_id)))
    return InlineKeyboardMarkup([row])


def confirm_keyboard(t: Translator, action_id: int, label: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, callback_data=confirm_data(action_id, True)),
                InlineKeyboardButton(replies.cancel_button(t), callback_data=confirm_data(action_id, False)),
            ]
        ]
    )
