"""/lang: a reader's choice takes effect at once, survives a restart, carries their chat's command
menu with it, and never waits for SQLite (a locked database delays the write, not the reply)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from citebot.bot.application import build_application, running
from citebot.bot.store import QuestionLog
from tests.bot_support import ADMIN, BATAA, ON_TOPIC_QUESTION
from tests.botapi_stub import BotApiStub, CallbackAnswer, Chat, SentMessage, User

BATAA_CHAT = Chat.private(BATAA)  # Bataa's Telegram app is in Mongolian
ADMIN_CHAT = Chat.private(ADMIN)
REPLY_SECONDS = 3.0  # a generous bound: a reply that waited for a locked database would miss it
EN_SET = "I'll reply to you in English from now on. /lang changes it."
KO_SET = "이제부터 한국어로 답하겠습니다. /lang 으로 바꿀 수 있습니다."
MN_START = "Сайн байна уу!"
KO_PRIVATE_MENU = ["이 봇이 하는 일", "제가 아는 내용과 질문 방법", "답변의 근거가 되는 문서", "답변 언어 바꾸기"]
MN_ADMIN_EXTRAS = ["Хайлтын индексийг дахин үүсгэх", "Ботын ажиллагаа", "Баримт бичиг устгах"]
VERBATIM_NOTICE_MN = "өгүүллийн өөрийн үг"


@pytest.fixture(autouse=True)
def no_rejected_calls(stub: BotApiStub):
    yield
    assert stub.rejected == []


@contextlib.asynccontextmanager
async def bot_process(settings, library) -> AsyncIterator[QuestionLog]:
    """The bot as one process runs it: its own question log on the shared file, nothing kept from
    an earlier run but what is in SQLite. Leaving the block stops it (the log is flushed and closed)."""
    async with QuestionLog(settings.db_path) as log, running(build_application(settings, library, log), poll_timeout=1):
        yield log


async def send(stub: BotApiStub, chat: Chat, user: User, text: str, timeout: float = 10.0) -> SentMessage:
    before = len(stub.sent_to(chat.id))
    stub.push_text(chat, user, text)
    return (await stub.wait_for_messages(before + 1, chat_id=chat.id, timeout=timeout))[before]


def buttons(message: SentMessage) -> dict[str, str]:
    assert message.reply_markup is not None, f"no buttons under {message.plain_text!r}"
    return {b["text"]: b["callback_data"] for row in message.reply_markup["inline_keyboard"] for b in row}


async def press(stub: BotApiStub, chat: Chat, user: User, message: SentMessage, label: str) -> CallbackAnswer:
    query = stub.push_callback(chat, user, message.message_id, buttons(message)[label])
    return await stub.wait_for_callback_answer(query, timeout=REPLY_SECONDS)


async def eventually(check: Callable[[], bool], timeout: float = REPLY_SECONDS) -> bool:
    """Whether `check()` comes true within `timeout` seconds (the bot works on after answering a press)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def reads(stub: BotApiStub, message: SentMessage, text: str) -> bool:
    """Whether the message comes to read `text` (it is edited after the press is answered)."""
    return await eventually(lambda: stub.current_text(message.chat_id, message.message_id) == text)


def chat_menu(stub: BotApiStub, chat_id: int, language_code: str = "") -> list[str] | None:
    return stub.commands_for({"type": "chat", "chat_id": chat_id}, language_code)


def descriptions(stub: BotApiStub, chat_id: int, language_code: str = "") -> list[str]:
    return [
        c["description"] for c in stub.commands_with_descriptions({"type": "chat", "chat_id": chat_id}, language_code)
    ]


@contextlib.contextmanager
def write_locked(path: Path) -> Iterator[sqlite3.Connection]:
    """Another connection holding the database's write lock for the block (as another process
    writing, or a backup tool, would)."""
    locker = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        locker.execute("BEGIN EXCLUSIVE")
        yield locker
    finally:
        if locker.in_transaction:
            locker.execute("ROLLBACK")
        locker.close()


async def test_a_language_chosen_with_the_lang_button_survives_a_restart(stub, settings, library):
    async with bot_process(settings, library):
        assert (await send(stub, BATAA_CHAT, BATAA, "/start")).plain_text.startswith(MN_START)
        keyboard = await send(stub, BATAA_CHAT, BATAA, "/lang")
        assert "✓ Монгол" in buttons(keyboard)
        assert (await press(stub, BATAA_CHAT, BATAA, keyboard, "English")).text == EN_SET
        assert await reads(stub, keyboard, EN_SET)
    async with bot_process(settings, library):
        assert (await send(stub, BATAA_CHAT, BATAA, "/start")).plain_text.startswith("Hello!")
        assert "How to ask" in (await send(stub, BATAA_CHAT, BATAA, "/help")).plain_text
        assert "✓ English" in buttons(await send(stub, BATAA_CHAT, BATAA, "/lang"))


async def test_the_readers_chat_menu_follows_their_choice(stub, settings, library):
    async with bot_process(settings, library):
        keyboard = await send(stub, BATAA_CHAT, BATAA, "/lang")
        assert chat_menu(stub, BATAA.id) is None  # until now, the all-private-chats menu
        assert (await press(stub, BATAA_CHAT, BATAA, keyboard, "한국어")).text == KO_SET
        assert await eventually(lambda: chat_menu(stub, BATAA.id) == ["start", "help", "sources", "lang"])
        assert descriptions(stub, BATAA.id) == KO_PRIVATE_MENU
        # No app-language entry in the chat's scope: Telegram shows this menu whatever the app's language.
        assert all(chat_menu(stub, BATAA.id, code) is None for code in ("zh", "mn", "ko"))


async def test_an_admins_chat_menu_follows_their_choice_and_keeps_the_admin_commands_across_a_restart(
    stub, settings, library
):
    async with bot_process(settings, library):
        assert descriptions(stub, ADMIN.id, "mn")[0] == "Энэ бот юу хийдэг вэ"  # start-up: per app language
        assert descriptions(stub, ADMIN.id)[0] == "What this bot does"
        keyboard = await send(stub, ADMIN_CHAT, ADMIN, "/lang")
        await press(stub, ADMIN_CHAT, ADMIN, keyboard, "Монгол")
        assert await eventually(lambda: descriptions(stub, ADMIN.id, "ko")[-3:] == MN_ADMIN_EXTRAS)
        for code in ("", "zh", "mn", "ko"):
            assert chat_menu(stub, ADMIN.id, code) == ["start", "help", "sources", "lang", "reindex", "stats", "remove"]
            assert descriptions(stub, ADMIN.id, code)[-3:] == MN_ADMIN_EXTRAS
    async with bot_process(settings, library):  # start-up registers the admin's menu in their language
        for code in ("", "zh", "mn", "ko"):
            assert descriptions(stub, ADMIN.id, code)[-3:] == MN_ADMIN_EXTRAS


async def test_a_failing_menu_update_does_not_spoil_the_lang_reply(stub, settings, library):
    async with bot_process(settings, library):
        keyboard = await send(stub, BATAA_CHAT, BATAA, "/lang")
        stub.fail_next("setMyCommands", status=400, times=None)
        assert (await press(stub, BATAA_CHAT, BATAA, keyboard, "English")).text == EN_SET
        assert await reads(stub, keyboard, EN_SET)
        assert await eventually(lambda: any(c.injected for c in stub.calls_to("setMyCommands")))  # tried, failed
        assert (await send(stub, BATAA_CHAT, BATAA, "/start")).plain_text.startswith("Hello!")
        assert chat_menu(stub, BATAA.id) is None


async def test_a_locked_database_delays_the_choice_not_the_reply(stub, settings, library):
    async with bot_process(settings, library) as log:
        keyboard = await send(stub, BATAA_CHAT, BATAA, "/lang")
        with write_locked(settings.db_path) as locker:
            assert (await press(stub, BATAA_CHAT, BATAA, keyboard, "English")).text == EN_SET
            assert await reads(stub, keyboard, EN_SET)
            # In effect at once, while the write still waits for the lock:
            start = await send(stub, BATAA_CHAT, BATAA, "/start", timeout=REPLY_SECONDS)
            assert start.plain_text.startswith("Hello!")
            assert locker.execute("SELECT locale FROM reader_languages").fetchall() == []
        assert await log.flush(timeout=10)
        assert log.lost_writes == 0
    async with bot_process(settings, library):
        assert (await send(stub, BATAA_CHAT, BATAA, "/start")).plain_text.startswith("Hello!")


async def test_a_locked_database_delays_recording_the_verbatim_notice_not_the_answer(stub, settings, library):
    async with bot_process(settings, library) as log:
        with write_locked(settings.db_path) as locker:
            first = await send(stub, BATAA_CHAT, BATAA, ON_TOPIC_QUESTION, timeout=30)
            second = await send(stub, BATAA_CHAT, BATAA, ON_TOPIC_QUESTION, timeout=30)
            assert locker.execute("SELECT * FROM reader_notices").fetchall() == []
        assert first.blockquotes and VERBATIM_NOTICE_MN in first.plain_text
        assert second.blockquotes and VERBATIM_NOTICE_MN not in second.plain_text
        assert await log.flush(timeout=10)
    async with bot_process(settings, library):
        after_restart = await send(stub, BATAA_CHAT, BATAA, ON_TOPIC_QUESTION, timeout=30)
        assert after_restart.blockquotes and VERBATIM_NOTICE_MN not in after_restart.plain_text
