"""The Bot API stand-in answers like Telegram, checked with python-telegram-bot's own Bot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut

from tests.bot_support import ALICE, GROUP
from tests.botapi_stub import BotApiStub, Chat
from tests.telegram_html import HtmlParseError, parse_html

PRIVATE = Chat.private(ALICE)


@pytest.mark.parametrize(
    "html, text",
    [
        ("<b>bold</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>n</ins>", "bold s i e u n"),
        ("<s>s</s><strike>t</strike><del>d</del>", "std"),
        ('<code>x</code> <pre>y</pre> <pre><code class="language-python">z</code></pre>', "x y z"),
        ('<a href="https://example.org/?a=1&amp;b=2">link</a>', "link"),
        ("<blockquote>quote</blockquote><blockquote expandable>more</blockquote>", "quotemore"),
        ('<tg-spoiler>a</tg-spoiler><span class="tg-spoiler">b</span>', "ab"),
        ("&lt;b&gt; &amp; &quot;q&quot; &#60; &#x3C;", '<b> & "q" < <'),
        ("2 > 1", "2 > 1"),
    ],
)
def test_html_that_telegram_accepts(html: str, text: str):
    assert parse_html(html).text == text


@pytest.mark.parametrize(
    "html, error",
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", "Unmatched end tag"),
        ("x</b>", "Unexpected end tag"),
        ("a < b", "Unclosed start tag"),
        ("AT&T", "unescaped"),
        ("&nbsp;", "Unsupported HTML entity"),
        ("<span>x</span>", 'must have class "tg-spoiler"'),
    ],
)
def test_html_that_telegram_rejects(html: str, error: str):
    with pytest.raises(HtmlParseError, match=error):
        parse_html(html)


def test_entities_are_measured_in_utf16_units():
    parsed = parse_html("😀<b>x</b>")
    assert parsed.entities == [{"type": "bold", "offset": 2, "length": 1}]


@pytest.fixture
async def client(stub: BotApiStub) -> AsyncIterator[Bot]:
    async with Bot(stub.token, base_url=stub.base_url) as bot:
        yield bot


async def test_get_me_describes_the_bot(client: Bot, stub: BotApiStub):
    me = await client.get_me()
    assert (me.id, me.username, me.is_bot) == (stub.bot_user.id, "citebot_test_bot", True)


async def test_a_wrong_token_is_unauthorized(stub: BotApiStub):
    with pytest.raises(InvalidToken):
        async with Bot("42:wrong", base_url=stub.base_url):
            pass


async def test_sent_message_is_recorded_with_its_reply_target(client: Bot, stub: BotApiStub):
    asked = stub.push_text(GROUP, ALICE, "/ask hi")
    sent = await client.send_message(GROUP.id, "<b>hi</b> &amp; bye", parse_mode="HTML", reply_to_message_id=asked)
    assert (sent.text, sent.reply_to_message.message_id) == ("hi & bye", asked)
    [record] = stub.sent
    assert (record.chat_id, record.text, record.reply_to_message_id) == (GROUP.id, "<b>hi</b> &amp; bye", asked)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("<b>unclosed", "can't parse entities"),
        ("x" * 4097, "message is too long"),
        ("😀" * 2049, "message is too long"),
        ("<b> </b>", "message text is empty"),
    ],
)
async def test_send_message_rejects_what_telegram_rejects(client: Bot, stub: BotApiStub, text: str, reason: str):
    stub.push_text(PRIVATE, ALICE, "hello")
    with pytest.raises(BadRequest, match=f"(?i){reason}"):
        await client.send_message(PRIVATE.id, text, parse_mode="HTML")
    assert stub.sent == [] and len(stub.rejected) == 1


async def test_the_longest_message_telegram_takes_is_accepted(client: Bot, stub: BotApiStub):
    stub.push_text(PRIVATE, ALICE, "hello")
    await client.send_message(PRIVATE.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert len(stub.sent) == 1


async def test_unknown_chats_and_missing_reply_targets_are_rejected(client: Bot, stub: BotApiStub):
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await client.send_message(999, "hi")
    stub.push_text(PRIVATE, ALICE, "hello")
    with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
        await client.send_message(PRIVATE.id, "hi", reply_to_message_id=77)


async def test_flood_limit_answers_429_with_retry_after(client: Bot, stub: BotApiStub):
    stub.push_text(PRIVATE, ALICE, "hello")
    stub.flood_next(1, retry_after=3)
    with pytest.raises(RetryAfter, match="Retry in 3"):
        await client.send_message(PRIVATE.id, "hi")
    await client.send_message(PRIVATE.id, "hi")
    assert [m.text for m in stub.sent] == ["hi"]


async def test_get_updates_honours_offset(client: Bot, stub: BotApiStub):
    stub.push_text(PRIVATE, ALICE, "one")
    stub.push_text(GROUP, ALICE, "/ask@citebot_test_bot two")
    first, second = await client.get_updates(timeout=0)
    assert (first.message.text, second.message.chat.type) == ("one", "supergroup")
    assert second.message.entities[0].type == "bot_command"
    assert second.message.entities[0].length == len("/ask@citebot_test_bot")
    assert [u.update_id for u in await client.get_updates(offset=second.update_id, timeout=0)] == [second.update_id]
    assert await client.get_updates(offset=second.update_id + 1, timeout=0) == ()
    assert stub.confirmed_offset == second.update_id + 1


async def test_long_polling_returns_as_soon_as_an_update_arrives(client: Bot, stub: BotApiStub):
    started = time.monotonic()
    asyncio.get_running_loop().call_later(0.3, stub.push_text, PRIVATE, ALICE, "late")
    updates = await client.get_updates(timeout=5)
    assert [u.message.text for u in updates] == ["late"]
    assert 0.2 < time.monotonic() - started < 3


async def test_replies_stickers_and_photos_arrive_as_telegram_sends_them(client: Bot, stub: BotApiStub):
    stub.push_text(GROUP, ALICE, "/help")
    bot_message = await client.send_message(GROUP.id, "answer")
    stub.push_text(GROUP, ALICE, "and then?", reply_to=bot_message.message_id)
    stub.push_sticker(PRIVATE, ALICE)
    stub.push_photo(PRIVATE, ALICE, caption="look")
    _, reply, sticker, photo = await client.get_updates(timeout=0)
    assert reply.message.reply_to_message.from_user.id == stub.bot_user.id
    assert sticker.message.sticker.emoji == "👍"
    assert (len(photo.message.photo), photo.message.caption) == (3, "look")


async def test_command_menus_are_kept_per_scope(client: Bot, stub: BotApiStub):
    await client.set_my_commands([BotCommand("ask", "Ask")], scope=BotCommandScopeAllGroupChats())
    assert stub.commands_for({"type": "all_group_chats"}) == ["ask"]
    assert [c.command for c in await client.get_my_commands(scope=BotCommandScopeAllGroupChats())] == ["ask"]
    assert stub.commands_for() is None
    with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
        await client.set_my_commands([BotCommand("Bad-Name", "x")])


# -- fault injection (safety-bot) -----------------------------------------------------------------


async def test_injected_error_codes_reach_the_client_as_telegram_errors(client: Bot, stub: BotApiStub):
    stub.push_text(PRIVATE, ALICE, "hello")
    stub.fail_next("sendMessage", 502)
    stub.fail_next("send.*", 429, retry_after=7)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await client.send_message(PRIVATE.id, "one")
    with pytest.raises(RetryAfter, match="Retry in 7"):
        await client.send_message(PRIVATE.id, "two")
    await client.send_message(PRIVATE.id, "three")
    assert [m.text for m in stub.sent] == ["three"]
    assert [c.status for c in stub.calls_to("sendMessage")] == [502, 429, 200]
    assert stub.rejected == []


async def test_dropped_connections_and_garbage_are_network_level_failures(client: Bot, stub: BotApiStub):
    stub.push_text(PRIVATE, ALICE, "hello")
    stub.drop_next("sendMessage")
    stub.garble_next("sendMessage")
    with pytest.raises(NetworkError, match=r"(?i)disconnected"):
        await client.send_message(PRIVATE.id, "one")
    with pytest.raises(TelegramError, match="Invalid server response"):
        await client.send_message(PRIVATE.id, "two")
    assert stub.sent == []


async def test_a_slow_answer_still_delivers_the_message(stub: BotApiStub):
    stub.push_text(PRIVATE, ALICE, "hello")
    stub.slow_next("sendMessage", 1.0)
    async with Bot(stub.token, base_url=stub.base_url) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(PRIVATE.id, "late", read_timeout=0.3)
    assert [m.text for m in stub.sent] == ["late"]


async def test_faults_without_a_count_last_until_cleared(client: Bot, stub: BotApiStub):
    stub.fail_next("*", 500, times=None)
    for _ in range(3):
        with pytest.raises(NetworkError):
            await client.get_my_commands()
    stub.clear_faults()
    assert await client.get_my_commands() == ()
