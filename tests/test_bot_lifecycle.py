"""Starting and stopping the bot, configuration problems, and things going wrong mid-answer."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from citebot.bot.application import MissingTokenError, build_application, file_url_for, run_bot, running
from citebot.bot.store import QuestionLog
from tests.bot_support import ALICE, BOB, GROUP, ON_TOPIC_QUESTION
from tests.botapi_stub import Chat


def test_run_bot_without_a_token_says_how_to_get_one(settings):
    with pytest.raises(MissingTokenError, match="TELEGRAM_BOT_TOKEN"):
        run_bot(settings.model_copy(update={"telegram_bot_token": None}))


def test_build_application_needs_a_token(settings, library):
    with pytest.raises(MissingTokenError):
        build_application(settings.model_copy(update={"telegram_bot_token": ""}), library, store=None)


@pytest.mark.parametrize(
    "base_url, file_url",
    [
        ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot"),
        ("http://localhost/tg/bot{token}", "http://localhost/tg/file/bot{token}"),
        ("http://localhost/custom/", None),
    ],
)
def test_file_url_follows_the_api_url(base_url, file_url):
    assert file_url_for(base_url) == file_url


class ExplodingLibrary:
    """The real library, except that answering fails with an error naming internals."""

    def __init__(self, library) -> None:
        self.library = library

    def __getattr__(self, name: str):
        return getattr(self.library, name)

    def answer(self, question: str, doc: str | None = None, context: str | None = None):
        raise RuntimeError("index file /srv/secret/index.faiss is corrupt")


async def test_failure_is_logged_and_the_user_told_without_internals(stub, settings, library, store, caplog):
    chat = Chat.private(BOB)
    with caplog.at_level(logging.ERROR, logger="citebot.bot.handlers"):
        async with running(build_application(settings, ExplodingLibrary(library), store), poll_timeout=1):
            stub.push_text(chat, BOB, ON_TOPIC_QUESTION)
            [reply] = await stub.wait_for_messages(1)
            stub.push_text(chat, BOB, "/help")
            _, help_reply = await stub.wait_for_messages(2)
    assert "something went wrong" in reply.plain_text and "secret" not in reply.plain_text
    assert "How to ask" in help_reply.plain_text
    [record] = [r for r in caplog.records if r.exc_info]
    assert "/srv/secret/index.faiss" in str(record.exc_info[1])
    assert stub.rejected == []


class DeletingAsker:
    """The real library; while it answers, the asker deletes their question."""

    def __init__(self, library, stub, chat) -> None:
        self.library, self.stub, self.chat = library, stub, chat
        self.question_id: int | None = None

    def __getattr__(self, name: str):
        return getattr(self.library, name)

    def answer(self, question: str, doc: str | None = None, context: str | None = None):
        self.stub.delete_message(self.chat, self.question_id)
        return self.library.answer(question, doc, context=context)


async def test_answer_arrives_even_if_the_question_was_deleted_meanwhile(stub, settings, library, store):
    asker = DeletingAsker(library, stub, GROUP)
    async with running(build_application(settings, asker, store), poll_timeout=1):
        asker.question_id = stub.push_text(GROUP, ALICE, f"/ask {ON_TOPIC_QUESTION}")
        [reply] = await stub.wait_for_messages(1)
    assert reply.blockquotes and reply.reply_to_message_id is None


async def test_a_follow_up_after_a_restart_is_still_read_with_its_question(stub, settings, library):
    async with QuestionLog(settings.db_path) as log:
        async with running(build_application(settings, library, log), poll_timeout=2):
            stub.push_text(GROUP, ALICE, f"/ask {ON_TOPIC_QUESTION}")
            [answer] = await stub.wait_for_messages(1)
    async with QuestionLog(settings.db_path) as log:
        async with running(build_application(settings, library, log), poll_timeout=2):
            stub.push_text(GROUP, BOB, "那是哪一年发生的？", reply_to=answer.message_id)
            _, reply = await stub.wait_for_messages(2)
    assert any("2024年" in quote for quote in reply.blockquotes)


class SlowLibrary:
    """The real library, taking `seconds` longer over every answer (a busy machine)."""

    def __init__(self, library, seconds: float) -> None:
        self.library, self.seconds = library, seconds

    def __getattr__(self, name: str):
        return getattr(self.library, name)

    def answer(self, *args, **kwargs):
        time.sleep(self.seconds)
        return self.library.answer(*args, **kwargs)


async def test_a_slow_answer_shows_typing_until_it_arrives(stub, settings, library, store):
    async with running(build_application(settings, SlowLibrary(library, 1.5), store), poll_timeout=1):
        stub.push_text(GROUP, ALICE, f"/ask {ON_TOPIC_QUESTION}")
        [reply] = await stub.wait_for_messages(1)
    assert reply.blockquotes
    assert (GROUP.id, "typing") in stub.chat_actions


async def test_an_answer_quicker_than_the_typing_delay_spends_no_request_on_typing(stub, settings, library, store):
    patient = settings.model_copy(update={"typing_after_seconds": 30.0})
    chat = Chat.private(BOB)
    async with running(build_application(patient, library, store), poll_timeout=1):
        stub.push_text(chat, BOB, ON_TOPIC_QUESTION)
        [reply] = await stub.wait_for_messages(1)
    assert reply.blockquotes
    assert stub.chat_actions == []


async def test_an_index_built_by_an_older_recipe_is_rebuilt_while_the_bot_answers(stub, settings, store, tmp_path):
    from citebot.index.library import Library
    from tests.support import embedder, make_live_generation_outdated, write_small_corpus

    data, index_dir = write_small_corpus(tmp_path / "data"), tmp_path / "index"
    Library.open(data, index_dir, embedder())
    make_live_generation_outdated(index_dir, terms=0)
    library = Library.open(data, index_dir, embedder(), rebuild_if_outdated=False)
    chat = Chat.private(BOB)
    async with running(build_application(settings, library, store), poll_timeout=1):
        stub.push_text(chat, BOB, ON_TOPIC_QUESTION)
        [reply] = await stub.wait_for_messages(1)
        deadline = time.monotonic() + 120
        while library.outdated() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert library.outdated() == []  # rebuilt in the background and swapped in
        stub.push_text(chat, BOB, ON_TOPIC_QUESTION)
        _, again = await stub.wait_for_messages(2)
    assert "召回驻蒙古大使" in reply.plain_text and "召回驻蒙古大使" in again.plain_text


async def test_a_failed_rebuild_of_an_outdated_index_leaves_the_old_one_answering(
    stub, settings, store, tmp_path, caplog
):
    from citebot.index.library import Library
    from tests.support import embedder, make_live_generation_outdated, write_small_corpus

    data, index_dir = write_small_corpus(tmp_path / "data"), tmp_path / "index"
    Library.open(data, index_dir, embedder())
    make_live_generation_outdated(index_dir, terms=0)
    library = Library.open(data, index_dir, embedder(), rebuild_if_outdated=False)
    for document in data.iterdir():  # the rebuild finds no documents and fails
        document.unlink()
    chat = Chat.private(BOB)
    with caplog.at_level(logging.ERROR, logger="citebot.bot.application"):
        async with running(build_application(settings, library, store), poll_timeout=1):
            deadline = time.monotonic() + 60
            while "rebuild of the outdated index failed" not in caplog.text and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            stub.push_text(chat, BOB, ON_TOPIC_QUESTION)
            [reply] = await stub.wait_for_messages(1)
    assert "rebuild of the outdated index failed" in caplog.text
    assert library.outdated() == ["terms"] and "召回驻蒙古大使" in reply.plain_text
