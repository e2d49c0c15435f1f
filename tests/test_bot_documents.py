"""Documents from the chat: admins add files (checked, written atomically, indexed) and remove them."""

from __future__ import annotations

import asyncio
import resource
import time
from pathlib import Path

import pytest

from citebot.bot.application import build_application, running
from citebot.index.library import Library
from tests.bot_support import ADMIN, ALICE
from tests.botapi_stub import BotApiStub, Chat

ADMIN_CHAT, ALICE_CHAT = Chat.private(ADMIN), Chat.private(ALICE)
REBUILD_TIMEOUT = 120
BREAD = b"""# Baking

Sourdough bread rises with a starter of wild yeast. Bake it in a hot oven for forty minutes.

# Storing

Keep the loaf in a linen bag; it stays fresh for three days.
"""


@pytest.fixture(autouse=True)
def no_rejected_calls(stub: BotApiStub):
    yield
    assert stub.rejected == []


@pytest.fixture
async def doc_bot(stub, settings, own_data, store, library):
    own_library = Library.open(own_data, own_data.parent / "index", embedder=library.embedder)
    async with running(build_application(settings, own_library, store), poll_timeout=1):
        yield own_library


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


async def next_reply(stub: BotApiStub, chat: Chat, timeout: float = REBUILD_TIMEOUT):
    count = len(stub.sent_to(chat.id))
    return (await stub.wait_for_messages(count + 1, chat_id=chat.id, timeout=timeout))[-1]


async def wait_for_text(stub: BotApiStub, chat: Chat, words: str, timeout: float = REBUILD_TIMEOUT):
    deadline = time.monotonic() + timeout
    while not (found := [m for m in stub.sent_to(chat.id) if words in m.plain_text]):
        assert time.monotonic() < deadline, (
            f"no message with {words!r}: {[m.plain_text for m in stub.sent_to(chat.id)]}"
        )
        await asyncio.sleep(0.05)
    return found[-1]


def buttons(message) -> dict[str, str]:
    return {b["text"]: b["callback_data"] for row in message.reply_markup["inline_keyboard"] for b in row}


async def press(stub, chat, user, message, label: str) -> str:
    query = stub.push_callback(chat, user, message.message_id, buttons(message)[label])
    return (await stub.wait_for_callback_answer(query)).text


async def test_a_readers_file_is_refused_politely_and_nothing_is_written(stub, doc_bot, own_data):
    before = snapshot(own_data)
    stub.push_document(ALICE_CHAT, ALICE, "bread.md", BREAD)
    reply = await next_reply(stub, ALICE_CHAT)
    assert reply.plain_text.startswith("Only the bot's administrators can add documents.")
    assert snapshot(own_data) == before and stub.calls_to("getFile") == []


@pytest.mark.parametrize(
    ("name", "content", "size", "message"),
    [
        ("notes.pdf", b"%PDF-1.7", None, "I can add .md, .txt and .html files; “notes.pdf” is none of these."),
        ("big.md", b"# Big\n\nText.", 6 * 1024 * 1024, "This file is too big: documents can be up to 5 MB."),
        ("image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None, "This file looks binary"),
        ("latin.txt", "Caf\u00e9 cr\u00e8me".encode("latin-1"), None, "This file is not UTF-8 text."),
        ("empty.md", b"  \n\n", None, "This file has no text to answer from."),
        ("only-front-matter.md", b"---\ntitle: x\n---\n", None, "This file has no text to answer from."),
        ("bad-yaml.md", b"---\ntitle: [unclosed\n---\nText.", None, "I could not read this document:"),
        ("...md", b"Text.", None, "The file name does not make a usable document id"),
    ],
)
async def test_a_bad_file_gets_a_clear_message_and_changes_nothing(
    stub, doc_bot, own_data, name, content, size, message
):
    before = snapshot(own_data)
    stub.push_document(ADMIN_CHAT, ADMIN, name, content, declared_size=size)
    reply = await next_reply(stub, ADMIN_CHAT)
    assert message in reply.plain_text
    assert snapshot(own_data) == before


async def test_an_admin_adds_a_document_and_readers_get_answers_from_it(stub, doc_bot, own_data):
    stub.push_document(ADMIN_CHAT, ADMIN, "bread.md", BREAD, caption="Bread basics")
    done = await wait_for_text(stub, ADMIN_CHAT, "Added bread:")
    assert "/sources lists it." in done.plain_text
    chunks = next(d.chunks for d in doc_bot.documents() if d.id == "bread")
    assert f"Added bread: {chunks} chunks." in done.plain_text
    written = (own_data / "bread.md").read_text(encoding="utf-8")
    assert written.startswith("---\nid: bread\nadded: ")
    assert "title: Bread basics\n" in written and f"added_by: Ada ({ADMIN.id})" in written
    assert not [p for p in own_data.iterdir() if p.name.startswith(".")]
    stub.push_text(ALICE_CHAT, ALICE, "/sources")
    assert "Bread basics" in (await next_reply(stub, ALICE_CHAT)).plain_text
    stub.push_text(ALICE_CHAT, ALICE, "How long should sourdough bread bake?")
    answer = await next_reply(stub, ALICE_CHAT)
    assert any("forty minutes" in quote for quote in answer.blockquotes)
    assert "Bread basics" in answer.plain_text


async def test_an_existing_id_is_replaced_only_after_confirmation(stub, doc_bot, own_data):
    (own_data / "bread.txt").write_bytes(BREAD)
    await asyncio.to_thread(doc_bot.reindex)
    before = snapshot(own_data)
    stub.push_document(ADMIN_CHAT, ADMIN, "bread.md", BREAD.replace(b"forty", b"fifty"))
    question = await next_reply(stub, ADMIN_CHAT)
    assert "A document with the id bread exists already. Replace it with this file?" in question.plain_text
    assert set(buttons(question)) == {"Replace", "Cancel"}
    assert await press(stub, ADMIN_CHAT, ALICE, question, "Replace") == (
        "Only the administrator who asked can confirm this."
    )
    assert await press(stub, ADMIN_CHAT, ADMIN, question, "Cancel") == "Cancelled; nothing was changed."
    assert stub.current_text(ADMIN.id, question.message_id) == "Cancelled; nothing was changed."
    assert snapshot(own_data) == before

    stub.push_document(ADMIN_CHAT, ADMIN, "bread.md", BREAD.replace(b"forty", b"fifty"))
    question = await next_reply(stub, ADMIN_CHAT)
    assert await press(stub, ADMIN_CHAT, ADMIN, question, "Replace") == "Working on it…"
    await wait_for_text(stub, ADMIN_CHAT, "Replaced bread:")
    assert not (own_data / "bread.txt").exists()
    assert "fifty minutes" in (own_data / "bread.md").read_text(encoding="utf-8")
    assert await press(stub, ADMIN_CHAT, ADMIN, question, "Replace") == (
        "This confirmation has expired. Please send the command again."
    )


async def test_a_disk_that_refuses_the_new_file_keeps_the_old_one_and_says_why(stub, doc_bot, own_data):
    """Replacing bread.txt with a longer bread.md while no file may grow past 400 kB (a disk nearly
    full; the bot's own small files still fit): the admin is told why, bread.txt is still there and
    still answers."""
    (own_data / "bread.txt").write_bytes(BREAD)
    await asyncio.to_thread(doc_bot.reindex)
    before = snapshot(own_data)
    longer = BREAD.replace(b"forty", b"fifty") + b"\n".join([b"Rye bread keeps longer than wheat bread."] * 12_000)
    stub.push_document(ADMIN_CHAT, ADMIN, "bread.md", longer)
    question = await next_reply(stub, ADMIN_CHAT)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, hard))
    try:
        await press(stub, ADMIN_CHAT, ADMIN, question, "Replace")
        failed = await wait_for_text(stub, ADMIN_CHAT, "nothing was changed")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert "I could not index this document, so nothing was changed. File too large" in failed.plain_text
    assert snapshot(own_data) == before
    stub.push_text(ALICE_CHAT, ALICE, "How long should sourdough bread bake?")
    answer = await next_reply(stub, ALICE_CHAT)
    assert any("forty minutes" in quote for quote in answer.blockquotes)


async def test_remove_deletes_a_document_after_confirmation_and_reindexes(stub, doc_bot, own_data):
    stub.push_text(ADMIN_CHAT, ADMIN, "/remove gobi")
    question = await next_reply(stub, ADMIN_CHAT)
    assert question.plain_text == "Remove 戈壁牧民的四季 (gobi) and rebuild the index?"
    stub.push_text(ALICE_CHAT, ALICE, "/remove gobi")
    assert (await next_reply(stub, ALICE_CHAT)).plain_text == "Sorry, only the bot's administrators can do that."
    assert await press(stub, ADMIN_CHAT, ALICE, question, "Remove") == (
        "Only the administrator who asked can confirm this."
    )
    assert (own_data / "gobi.md").exists()
    assert await press(stub, ADMIN_CHAT, ADMIN, question, "Remove") == "Working on it…"
    await wait_for_text(stub, ADMIN_CHAT, "Removed gobi.")
    assert not (own_data / "gobi.md").exists()
    assert [d.id for d in doc_bot.documents()] == ["mongolia"]
    stub.push_text(ADMIN_CHAT, ADMIN, "/remove mongolia")
    assert "the only document" in (await next_reply(stub, ADMIN_CHAT)).plain_text
    stub.push_text(ADMIN_CHAT, ADMIN, "/remove nothing-here")
    assert "There is no document nothing-here. Documents: mongolia." in (await next_reply(stub, ADMIN_CHAT)).plain_text
