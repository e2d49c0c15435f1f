"""Admin flows (/reindex progress, uploads, /remove) under Telegram faults, and forged confirmations."""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from citebot.bot.application import build_application, running
from citebot.index.library import Library
from tests.bot_support import ADMIN, ALICE, GROUP
from tests.botapi_stub import DOWNLOAD, BotApiStub, Chat

ADMIN_CHAT, ALICE_CHAT = Chat.private(ADMIN), Chat.private(ALICE)
REBUILD_TIMEOUT = 120
READING = "Rebuilding the index: reading the documents…"
BREAD = b"# Baking\n\nSourdough bread rises with a starter of wild yeast. Bake it for forty minutes.\n"


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture
def own_library(own_data: Path, library: Library) -> Library:
    return Library.open(own_data, own_data.parent / "index", embedder=library.embedder)


async def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


def final_texts(stub: BotApiStub, chat: Chat) -> list[str]:
    return [stub.current_text(chat.id, m.message_id) for m in stub.sent_to(chat.id)]


async def test_reindex_progress_message_that_timed_out_on_send_is_not_left_stuck(stub, settings, own_library, store):
    """The progress message reached the chat but its answer came late (read timeout): the admin
    must not be left with 'reading the documents…' for ever."""
    async with running(build_application(settings, own_library, store, read_timeout=0.5), poll_timeout=1):
        stub.slow_next("sendMessage", 1.5)
        stub.push_text(ADMIN_CHAT, ADMIN, "/reindex")
        [progress] = await stub.wait_for_messages(1, chat_id=ADMIN.id)
        assert progress.plain_text == READING
        await asyncio.sleep(8)
        texts = final_texts(stub, ADMIN_CHAT)
    assert READING not in texts or any("new index is live" in t for t in texts), texts


@pytest.mark.parametrize(
    "fault",
    [
        lambda stub: stub.slow_next("sendMessage", 1.5),
        lambda stub: stub.fail_next("sendMessage", 429, retry_after=600),
    ],
    ids=["progress-send-timed-out", "progress-send-long-flood-wait"],
)
async def test_upload_whose_progress_send_failed_leaves_data_dir_and_index_consistent(
    stub, settings, own_data, own_library, store, fault
):
    """A new file, and the progress message's send fails: either the document is added and
    indexed, or the data directory is left as it was (the change is undone)."""
    before = snapshot(own_data)
    async with running(build_application(settings, own_library, store, read_timeout=0.5), poll_timeout=1):
        stub.push_document(ADMIN_CHAT, ADMIN, "bread.md", BREAD)
        await wait_until(lambda: stub.calls_to("getFile"), 20, "the file was never fetched")
        fault(stub)
        await asyncio.sleep(8)
        texts = final_texts(stub, ADMIN_CHAT)
    indexed = "bread" in [d.id for d in own_library.documents()]
    written = (own_data / "bread.md").exists()
    assert indexed == written, (texts, indexed, written)
    assert written or snapshot(own_data) == before


@pytest.mark.parametrize(
    "fault",
    [
        lambda stub: stub.fail_next("editMessageText", 429, retry_after=600),
    ],
    ids=["long-flood-wait"],
)
async def test_reindex_outcome_reaches_the_admin_when_the_final_edit_fails(stub, settings, own_library, store, fault):
    async with running(build_application(settings, own_library, store), poll_timeout=1):
        fault(stub)
        stub.push_text(ADMIN_CHAT, ADMIN, "/reindex")
        await stub.wait_for_messages(1, chat_id=ADMIN.id)
        await wait_until(lambda: stub.calls_to("editMessageText"), REBUILD_TIMEOUT, "no edit was tried")
        await asyncio.sleep(10)
        texts = final_texts(stub, ADMIN_CHAT)
    assert any("new index is live" in t for t in texts), texts


@pytest.mark.parametrize(
    "fault",
    [
        lambda stub: stub.fail_next("editMessageText", 500, times=2),
        lambda stub: stub.drop_next("editMessageText"),
        lambda stub: stub.garble_next("editMessageText"),
        lambda stub: stub.fail_next("editMessageText", 429, retry_after=1),
    ],
    ids=["500-twice", "dropped", "garbled", "short-flood"],
)
async def test_reindex_final_edit_survives_transient_faults(stub, settings, own_library, store, fault):
    async with running(build_application(settings, own_library, store), poll_timeout=1):
        fault(stub)
        stub.push_text(ADMIN_CHAT, ADMIN, "/reindex")
        [progress] = await stub.wait_for_messages(1, chat_id=ADMIN.id)
        await wait_until(
            lambda: "new index is live" in stub.current_text(ADMIN.id, progress.message_id),
            REBUILD_TIMEOUT,
            "the progress message never reached its end",
        )
    assert len(stub.sent_to(ADMIN.id)) == 1


@pytest.mark.parametrize(
    "fault",
    [
        lambda stub: stub.fail_next("getFile", 500, times=2),
        lambda stub: stub.drop_next("getFile"),
        lambda stub: stub.garble_next("getFile"),
        lambda stub: stub.fail_next("getFile", 429, retry_after=600),
        lambda stub: stub.fail_next("getFile", 400),
        lambda stub: stub.fail_next(DOWNLOAD, 502, times=2),
        lambda stub: stub.drop_next(DOWNLOAD),
        lambda stub: stub.fail_next(DOWNLOAD, 404),
    ],
    ids=[
        "500-twice",
        "dropped",
        "garbled",
        "long-flood",
        "bad-request",
        "download-502-twice",
        "download-dropped",
        "download-404",
    ],
)
async def test_upload_with_getfile_faults_gets_one_clear_outcome(
    stub, settings, own_data, own_library, store, fault, caplog
):
    caplog.set_level(logging.INFO)
    before = snapshot(own_data)
    async with running(build_application(settings, own_library, store), poll_timeout=1):
        fault(stub)
        stub.push_document(ADMIN_CHAT, ADMIN, "bread.md", BREAD)
        await wait_until(
            lambda: any(("Added bread" in t) or ("download" in t.lower()) for t in final_texts(stub, ADMIN_CHAT)),
            REBUILD_TIMEOUT,
            f"no outcome: {final_texts(stub, ADMIN_CHAT)}",
        )
        await asyncio.sleep(1)
        texts = final_texts(stub, ADMIN_CHAT)
    added = any("Added bread" in t for t in texts)
    assert added == (own_data / "bread.md").exists()
    assert added or snapshot(own_data) == before
    assert not any("went wrong" in t for t in texts), texts
    assert all(stub.token not in t and stub.token.split(":")[1] not in t for t in texts)
    # the bot's own log lines (the `citebot` command also installs a redacting filter on top)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("citebot")]
    assert not [line for line in ours if stub.token.split(":")[1] in line]


def _run_in_loop(coro_factory, timeout: float = 300):
    return asyncio.run(asyncio.wait_for(coro_factory(), timeout))


@hsettings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    who=st.sampled_from(["alice-private", "alice-in-admin-chat", "alice-group"]),
    verb=st.sampled_from(["y", "n"]),
    offset=st.integers(min_value=-2, max_value=2),
)
def test_forged_confirmations_by_non_admins_never_change_anything(
    who, verb, offset, tmp_path_factory, data_dir, index_dir, library
):
    tmp = tmp_path_factory.mktemp("forged")
    shutil.copytree(data_dir, tmp / "data")
    shutil.copytree(index_dir, tmp / "index", symlinks=True)
    own = Library.open(tmp / "data", tmp / "index", embedder=library.embedder)
    from citebot.bot.store import QuestionLog
    from citebot.settings import Settings

    async def scenario():
        with BotApiStub() as stub:
            stub.add_chat(ADMIN_CHAT)
            stub.add_chat(ALICE_CHAT)
            stub.add_chat(GROUP)
            cfg = Settings(
                _env_file=None,
                TELEGRAM_BOT_TOKEN=stub.token,
                TELEGRAM_API_BASE_URL=stub.base_url,
                ADMIN_USER_IDS=str(ADMIN.id),
                CITEBOT_DATA_DIR=tmp / "data",
                CITEBOT_INDEX_DIR=tmp / "index",
                CITEBOT_DB_PATH=tmp / "q.sqlite3",
            )
            before = snapshot(tmp / "data")
            async with QuestionLog(cfg.db_path) as log:
                async with running(build_application(cfg, own, log), poll_timeout=1):
                    stub.push_text(ADMIN_CHAT, ADMIN, "/remove gobi")
                    [question] = await stub.wait_for_messages(1, chat_id=ADMIN.id)
                    assert question.reply_markup is not None
                    data = question.reply_markup["inline_keyboard"][0][0]["callback_data"]
                    action = int(data.rsplit(":", 1)[1]) + offset
                    forged = f"c:{verb}:{max(action, 0)}"
                    if who == "alice-private":
                        stub.push_text(ALICE_CHAT, ALICE, "/start")
                        [mine] = await stub.wait_for_messages(1, chat_id=ALICE.id)
                        query = stub.push_callback(ALICE_CHAT, ALICE, mine.message_id, forged)
                    elif who == "alice-in-admin-chat":
                        query = stub.push_callback(ADMIN_CHAT, ALICE, question.message_id, forged)
                    else:
                        stub.push_text(GROUP, ALICE, "/help@citebot_test_bot")
                        [mine] = await stub.wait_for_messages(1, chat_id=GROUP.id)
                        query = stub.push_callback(GROUP, ALICE, mine.message_id, forged)
                    answer = await stub.wait_for_callback_answer(query)
                    await asyncio.sleep(0.5)
                    assert answer.text and "Working" not in answer.text
                    assert stub.current_text(ADMIN.id, question.message_id) == question.plain_text
                    # the admin's own confirmation still works afterwards
                    query = stub.push_callback(ADMIN_CHAT, ADMIN, question.message_id, data)
                    assert "Working" in (await stub.wait_for_callback_answer(query)).text
                    await wait_until(
                        lambda: any("Removed gobi" in m.plain_text for m in stub.sent_to(ADMIN.id)),
                        REBUILD_TIMEOUT,
                        "the admin's removal never finished",
                    )
            return before

        return None

    before = _run_in_loop(scenario)
    assert before is not None and "gobi.md" in before


REMOVE_ARGS = st.one_of(
    st.text(min_size=1, max_size=60),
    st.text(alphabet="<>&\"' abc#", min_size=1, max_size=60),
    st.integers(min_value=4040, max_value=4088).map(lambda n: ("<&" * n)[:n]),  # "/remove " + n <= 4096
).filter(lambda s: s.strip().lstrip("#").strip() not in ("", "gobi", "mongolia"))


@pytest.fixture
def admin_bot_thread(settings, library):
    from tests.test_bot_unusual_updates import BotThread

    with BotThread(settings.model_copy(update={"user_rate_limit": 0}), library) as running_bot:
        yield running_bot


@hsettings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(args=REMOVE_ARGS)
def test_remove_of_any_unknown_id_says_there_is_no_such_document(stub, admin_bot_thread, args):
    """An admin's /remove with whatever they typed or pasted gets 'There is no document…', never
    'something went wrong' (and Telegram never refuses the reply)."""
    before, rejected = len(stub.sent_to(ADMIN.id)), len(stub.rejected)
    stub.push_text(ADMIN_CHAT, ADMIN, f"/remove {args}")
    deadline = time.monotonic() + 20
    while len(stub.sent_to(ADMIN.id)) <= before:
        assert time.monotonic() < deadline, "no reply"
        time.sleep(0.05)
    time.sleep(0.3)
    replies = [m.plain_text for m in stub.sent_to(ADMIN.id)[before:]]
    assert [(c.method, c.description) for c in stub.rejected[rejected:]] == []
    assert len(replies) == 1 and replies[0].startswith("There is no document"), [r[:80] for r in replies]


async def test_a_confirmation_whose_toast_fails_still_does_the_work(stub, settings, own_data, own_library, store):
    """answerCallbackQuery refused (query too old) or garbled: the removal still happens and is reported."""
    async with running(build_application(settings, own_library, store), poll_timeout=1):
        stub.push_text(ADMIN_CHAT, ADMIN, "/remove gobi")
        [question] = await stub.wait_for_messages(1, chat_id=ADMIN.id)
        data = {b["text"]: b["callback_data"] for row in question.reply_markup["inline_keyboard"] for b in row}
        stub.fail_next("answerCallbackQuery", 400)
        stub.garble_next("editMessageReplyMarkup")
        stub.push_callback(ADMIN_CHAT, ADMIN, question.message_id, data["Remove"])
        await wait_until(
            lambda: any("Removed gobi" in m.plain_text for m in stub.sent_to(ADMIN.id)),
            REBUILD_TIMEOUT,
            f"never reported: {final_texts(stub, ADMIN_CHAT)}",
        )
    assert not (own_data / "gobi.md").exists()
    assert [d.id for d in own_library.documents()] == ["mongolia"]
    assert not any("went wrong" in t for t in final_texts(stub, ADMIN_CHAT))


@pytest.mark.parametrize(
    "fault",
    [
        lambda stub: stub.fail_next(DOWNLOAD, 502, times=2),
        lambda stub: stub.drop_next(DOWNLOAD),
        lambda stub: stub.slow_next(DOWNLOAD, 1.0),
    ],
    ids=["502-twice", "dropped", "slow"],
)
async def test_a_download_that_fails_for_a_moment_is_tried_again_and_the_document_added(
    stub, settings, own_data, own_library, store, fault
):
    """The file itself comes from /file/bot…, outside the Bot API calls the rate limiter retries."""
    async with running(build_application(settings, own_library, store), poll_timeout=1):
        fault(stub)
        stub.push_document(ADMIN_CHAT, ADMIN, "bread.md", BREAD)
        await wait_until(
            lambda: any(("Added bread" in t) or ("download" in t.lower()) for t in final_texts(stub, ADMIN_CHAT)),
            REBUILD_TIMEOUT,
            f"no outcome: {final_texts(stub, ADMIN_CHAT)}",
        )
        texts = final_texts(stub, ADMIN_CHAT)
    assert any("Added bread" in t for t in texts), texts
    assert "bread" in [d.id for d in own_library.documents()]
