"""Command menus and /reindex: only admins rebuild, and questions keep being answered meanwhile."""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import shutil
import threading
import time
from pathlib import Path

from citebot.bot.application import build_application, running
from citebot.index.library import Library
from tests.bot_support import ADMIN, ALICE, GROUP, ON_TOPIC_QUESTION
from tests.botapi_stub import Chat

ADMIN_CHAT = Chat.private(ADMIN)
ALICE_CHAT = Chat.private(ALICE)
PRIVATE_MENU = ["start", "help", "sources", "lang"]
ADMIN_MENU = [*PRIVATE_MENU, "reindex", "stats", "remove"]
REBUILD_TIMEOUT = 120


def live_generation(index_dir: Path) -> str:
    return os.readlink(index_dir / "current")


def index_snapshot(index_dir: Path) -> tuple[str, list[tuple[str, int]]]:
    files = sorted((str(p.relative_to(index_dir)), p.stat().st_mtime_ns) for p in index_dir.rglob("*") if p.is_file())
    return live_generation(index_dir), files


class WrappedLibrary:
    """The session's real library, with its reindex changed by a subclass."""

    def __init__(self, library) -> None:
        self.library = library

    def __getattr__(self, name: str):
        return getattr(self.library, name)


class GatedLibrary(WrappedLibrary):
    """Its rebuild waits until the test opens the gate, then runs for real."""

    def __init__(self, library) -> None:
        super().__init__(library)
        self.building = threading.Event()
        self.gate = threading.Event()

    def reindex(self, progress=None):
        if progress:
            progress("embedding", 3, 10)
        self.building.set()
        if not self.gate.wait(timeout=REBUILD_TIMEOUT):
            raise TimeoutError("the test never opened the gate")
        return self.library.reindex(progress)


async def test_command_menus_are_registered_per_scope(bot, stub):
    assert stub.commands_for() == PRIVATE_MENU
    assert stub.commands_for({"type": "all_private_chats"}) == PRIVATE_MENU
    assert stub.commands_for({"type": "all_group_chats"}) == ["ask", "help", "sources", "lang"]
    assert stub.commands_for({"type": "chat", "chat_id": ADMIN.id}) == ADMIN_MENU
    assert stub.commands_for({"type": "chat", "chat_id": ALICE.id}) is None
    assert stub.rejected == []


async def test_an_admin_who_never_talked_to_the_bot_does_not_stop_it(stub, settings, library, store, caplog):
    settings = settings.model_copy(update={"admin_user_ids": frozenset({ADMIN.id, 4004})})
    with caplog.at_level(logging.WARNING, logger="citebot.bot"):
        async with running(build_application(settings, library, store), poll_timeout=1):
            stub.push_text(ALICE_CHAT, ALICE, "/start")
            await stub.wait_for_messages(1)
    assert stub.commands_for({"type": "chat", "chat_id": ADMIN.id}) == ADMIN_MENU
    assert stub.commands_for({"type": "chat", "chat_id": 4004}) is None
    assert "4004" in caplog.text


async def test_non_admin_reindex_is_refused_and_nothing_is_rebuilt(bot, stub, index_dir, caplog):
    before = index_snapshot(index_dir)
    with caplog.at_level(logging.WARNING, logger="citebot.bot.handlers"):
        stub.push_text(ALICE_CHAT, ALICE, "/reindex")
        [reply] = await stub.wait_for_messages(1)
        await asyncio.sleep(0.5)
    assert "Only the bot's administrators" in reply.plain_text
    assert len(stub.sent) == 1
    assert index_snapshot(index_dir) == before
    assert f"Refused /reindex from user {ALICE.id}" in caplog.text


async def text_once_it_reads(stub, message, words: str, timeout: float = REBUILD_TIMEOUT) -> str:
    """The message's text, once an edit has put `words` in it."""
    deadline = time.monotonic() + timeout
    while words not in (text := stub.current_text(message.chat_id, message.message_id)):
        assert time.monotonic() < deadline, f"{words!r} never appeared; the message reads {text!r}"
        await asyncio.sleep(0.05)
    return text


async def test_admin_reindex_reports_progress_in_one_message_ending_with_the_live_index(bot, stub, index_dir, library):
    before = live_generation(index_dir)
    stub.push_text(ADMIN_CHAT, ADMIN, "/reindex")
    [progress] = await stub.wait_for_messages(1)
    assert progress.plain_text == "Rebuilding the index: reading the documents…"
    done = await text_once_it_reads(stub, progress, "The new index is live")
    chunks = sum(doc.chunks for doc in library.documents())
    generation = Path(live_generation(index_dir)).name
    assert generation != Path(before).name
    assert done.startswith(f"The new index is live: generation {generation}, 2 documents, {chunks} chunks, built in")
    assert len(stub.sent) == 1 and stub.rejected == []


async def test_reindex_progress_names_the_stage_while_it_runs(stub, settings, library, store):
    gated = GatedLibrary(library)
    async with running(build_application(settings, gated, store), poll_timeout=1):
        try:
            stub.push_text(ADMIN_CHAT, ADMIN, "/reindex")
            [progress] = await stub.wait_for_messages(1)
            await text_once_it_reads(stub, progress, "embedding chunks 3/10", timeout=15)
        finally:
            gated.gate.set()
        await text_once_it_reads(stub, progress, "The new index is live")
    assert stub.rejected == []


async def test_admin_reindex_in_a_group_replies_there(bot, stub):
    asked = stub.push_text(GROUP, ADMIN, "/reindex@citebot_test_bot")
    [progress] = await stub.wait_for_messages(1, timeout=REBUILD_TIMEOUT)
    assert (progress.chat_id, progress.reply_to_message_id) == (GROUP.id, asked)
    await text_once_it_reads(stub, progress, "new index is live")


async def test_questions_are_answered_while_the_index_rebuilds(stub, settings, library, store):
    gated = GatedLibrary(library)
    async with running(build_application(settings, gated, store), poll_timeout=1):
        try:
            stub.push_text(ADMIN_CHAT, ADMIN, "/reindex")
            [started] = await stub.wait_for_messages(1, chat_id=ADMIN.id)
            assert await asyncio.to_thread(gated.building.wait, 10)
            stub.push_text(ALICE_CHAT, ALICE, ON_TOPIC_QUESTION)
            [answer] = await stub.wait_for_messages(1, chat_id=ALICE.id)
            stub.push_text(ADMIN_CHAT, ADMIN, "/reindex")
            _, again = await stub.wait_for_messages(2, chat_id=ADMIN.id)
            assert len(stub.sent_to(ADMIN.id)) == 2
        finally:
            gated.gate.set()
        await text_once_it_reads(stub, started, "new index is live")
    assert "Rebuilding" in started.plain_text
    assert answer.blockquotes
    assert "already running" in again.plain_text
    assert stub.rejected == []


class FullDiskLibrary(WrappedLibrary):
    """Its rebuild runs for real while no file may grow past 100 kB, as on a nearly full disk."""

    def reindex(self, progress=None):
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, hard))
        try:
            return self.library.reindex(progress)
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


async def test_a_disk_that_refuses_the_new_index_is_named_to_the_admin_and_the_old_index_answers(
    stub, settings, data_dir, store, tmp_path, caplog
):
    own_data = tmp_path / "data"
    shutil.copytree(data_dir, own_data)
    library = Library.open(own_data, tmp_path / "index")
    before = live_generation(tmp_path / "index")
    (own_data / "tea.md").write_text("# Tea\n\nGreen tea is steeped at eighty degrees.\n", encoding="utf-8")
    async with running(build_application(settings, FullDiskLibrary(library), store), poll_timeout=1):
        stub.push_text(ADMIN_CHAT, ADMIN, "/reindex")
        [progress] = await stub.wait_for_messages(1, chat_id=ADMIN.id, timeout=REBUILD_TIMEOUT)
        failed = await text_once_it_reads(stub, progress, "rebuild failed")
        stub.push_text(ALICE_CHAT, ALICE, ON_TOPIC_QUESTION)
        [answer] = await stub.wait_for_messages(1, chat_id=ALICE.id)
    assert "previous index is still in use" in failed and "File too large" in failed
    assert "Traceback" not in failed and failed.count("unchanged") == 0
    assert live_generation(tmp_path / "index") == before
    assert [p.name for p in (tmp_path / "index" / "generations").iterdir()] == [Path(before).name]
    assert answer.blockquotes
    assert "Reindex failed: cannot write a new index" in caplog.text


async def test_unreadable_document_is_named_to_the_admin_and_the_old_index_answers(
    stub, settings, data_dir, store, tmp_path, caplog
):
    own_data = tmp_path / "data"
    shutil.copytree(data_dir, own_data)
    library = Library.open(own_data, tmp_path / "index")
    (own_data / "broken.md").write_bytes(b"\xff\xfe not text \x80")
    async with running(build_application(settings, library, store), poll_timeout=1):
        stub.push_text(ADMIN_CHAT, ADMIN, "/reindex")
        [progress] = await stub.wait_for_messages(1, chat_id=ADMIN.id, timeout=REBUILD_TIMEOUT)
        failed = await text_once_it_reads(stub, progress, "rebuild failed")
        stub.push_text(ALICE_CHAT, ALICE, ON_TOPIC_QUESTION)
        [answer] = await stub.wait_for_messages(1, chat_id=ALICE.id)
    assert "broken.md: not UTF-8 text" in failed
    assert answer.blockquotes
    assert "Reindex failed" in caplog.text
