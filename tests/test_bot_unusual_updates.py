"""Unusual updates a real Telegram delivers, driven through the Bot API stand-in over HTTP.

The bot runs in a thread of its own (its own event loop) for a whole test, so that Hypothesis can
drive many examples against one running bot; each example uses a fresh user and chat, and reads
back only what was sent there.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from citebot.bot.application import build_application, running
from citebot.bot.formatting import MAX_MESSAGE_UTF16, utf16_len
from citebot.bot.store import QuestionLog
from citebot.index.corpus.documents import DocumentInfo
from tests.bot_support import ON_TOPIC_QUESTION
from tests.botapi_stub import BotApiStub, Chat, User

BOT_USERNAME = "citebot_test_bot"
QUIET_SECONDS = 2.0
EXAMPLES = hyp_settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
_ids = itertools.count(70_000)


# -- a bot running in its own thread -------------------------------------------------------------


class BotThread:
    def __init__(self, settings, library) -> None:
        self.settings = settings
        self.library = library
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="audit-bot", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:
            self.error = error
            self.ready.set()

    async def _main(self) -> None:
        async with QuestionLog(self.settings.db_path) as store:
            self.store = store
            async with running(build_application(self.settings, self.library, store), poll_timeout=1):
                self.ready.set()
                while not self.stop.is_set():
                    await asyncio.sleep(0.05)

    def __enter__(self) -> BotThread:
        self.thread.start()
        self.ready.wait(60)
        if self.error:
            raise self.error
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(30)


@pytest.fixture
def unlimited(settings):
    return settings.model_copy(update={"user_rate_limit": 0, "typing_after_seconds": 30})


@pytest.fixture
def bot_thread(unlimited, library):
    with BotThread(unlimited, library) as running_bot:
        yield running_bot


@pytest.fixture
def no_rejected_calls(stub: BotApiStub):
    yield
    assert [(c.method, c.description) for c in stub.rejected] == []


# -- pushing updates and reading replies (synchronously, the stub is thread-safe) -------------------


def fresh_user(language_code: str | None = "en", **kwargs: Any) -> User:
    return User(id=next(_ids), first_name="Tester", language_code=language_code, **kwargs)


def fresh_group() -> Chat:
    return Chat.group(-1_000_000_000_000 - next(_ids), "Audit group")


def push(stub: BotApiStub, chat: Chat, sender: User, content: dict, reply_to: int | None = None) -> int:
    """Any message content (caption, sender_chat, forward_origin, via_bot...), as Telegram sends it."""
    return stub.push_message(chat, sender, content, reply_to=reply_to)


def wait_sent(stub: BotApiStub, chat_id: int, count: int, timeout: float = 20.0) -> list:
    deadline = time.monotonic() + timeout
    while len(sent := stub.sent_to(chat_id)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"expected {count} messages in chat {chat_id} within {timeout}s, got {[m.plain_text[:80] for m in sent]}; "
                f"rejected: {[(c.method, c.description) for c in stub.rejected]}"
            )
        time.sleep(0.02)
    return sent


def wait_quiet(stub: BotApiStub, seconds: float = QUIET_SECONDS) -> None:
    """Until the bot has fetched everything pushed so far, and then a while longer."""
    deadline = time.monotonic() + 20
    while not stub.all_fetched():
        if time.monotonic() > deadline:
            raise AssertionError("the bot did not fetch its updates")
        time.sleep(0.02)
    time.sleep(seconds)


def assert_valid(message) -> None:
    assert utf16_len(message.plain_text) <= MAX_MESSAGE_UTF16
    assert message.plain_text.strip()


ANON = User(id=1087968824, first_name="Group", username="GroupAnonymousBot", language_code=None, is_bot=True)
ERROR_TEXT = "something went wrong"

# Text as users type it: any script, markup characters, emoji (astral, two UTF-16 units), invisible
# format characters (bidi controls, zero-width), odd whitespace and a few words the documents know.
TEXT = st.lists(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=["Cs"]),
        st.sampled_from(
            [
                *list("<>&\"'/#@*_`[]"),
                "&amp;",
                "<b>",
                "</i>",
                "\u202e",
                "\u200b",
                "\u2066",
                "\xa0",
                "\n",
                "\t",
                "😀",
                "👨\u200d👩\u200d👧",
                "𝕏",
            ]
        ),
        st.sampled_from(["朝鲜", "召回", "大使", "蒙古", "戈壁", "牧民", "骆驼", "mongolia", "gobi", " "]),
    ),
    min_size=1,
    max_size=150,
).map("".join)


def command(text: str, name: str) -> dict:
    return {"text": text, "entities": [{"type": "bot_command", "offset": 0, "length": utf16_len(name)}]}


def mention(text: str, offset_units: int) -> dict:
    return {"text": text, "entities": [{"type": "mention", "offset": offset_units, "length": 1 + len(BOT_USERNAME)}]}


def replies_of(stub: BotApiStub, chat: Chat, at_least: int = 1) -> list:
    wait_sent(stub, chat.id, at_least)
    wait_quiet(stub, 0.3)
    return stub.sent_to(chat.id)


# -- open-ended input: every message addressed to the bot gets a valid, non-error reply ------------


@EXAMPLES
@given(question=TEXT)
def test_any_private_text_gets_a_valid_reply_and_no_error(stub, bot_thread, no_rejected_calls, question):
    user = fresh_user()
    chat = Chat.private(user)
    push(stub, chat, user, {"text": question})
    sent = replies_of(stub, chat)
    for message in sent:
        assert_valid(message)
        assert ERROR_TEXT not in message.plain_text
    assert stub.rejected == []


@EXAMPLES
@given(before=TEXT.filter(lambda t: not t.startswith("/")), after=TEXT)
def test_any_group_message_mentioning_the_bot_gets_a_valid_reply_quoting_it(stub, bot_thread, before, after):
    user, group = fresh_user(), fresh_group()
    text = f"{before} @{BOT_USERNAME} {after}"
    asked = push(stub, group, user, mention(text, utf16_len(before) + 1))
    sent = replies_of(stub, group)
    for message in sent:
        assert_valid(message)
        assert ERROR_TEXT not in message.plain_text
        assert message.reply_to_message_id == asked
    assert stub.rejected == []


@EXAMPLES
@given(
    separator=st.sampled_from([" ", "  ", "\n", "\t", "\u00a0", "\u3000", " \n "]),
    addressed=st.sampled_from(["/ask", f"/ask@{BOT_USERNAME}", f"/Ask@{BOT_USERNAME.upper()}"]),
)
def test_ask_with_odd_whitespace_is_answered_with_the_question(stub, bot_thread, separator, addressed):
    user, group = fresh_user(), fresh_group()
    push(stub, group, user, command(f"{addressed}{separator}{ON_TOPIC_QUESTION}{separator}", addressed))
    [answer, *_] = replies_of(stub, group)
    assert any("召回了驻蒙古大使" in quote for quote in answer.blockquotes)
    assert stub.rejected == []


# -- buttons and inline mode with odd input --------------------------------------------------------

CALLBACK_DATA = st.one_of(
    st.text(min_size=1, max_size=64).filter(lambda d: 1 <= len(d.encode()) <= 64),
    st.from_regex(r"\A(v:[+-]|m|c:[yn]|lang):[0-9]{0,25}\Z"),
    st.from_regex(r"\A(v:[+-]|m|c:[yn]):[1-9][0-9]{15,17}\Z"),
    st.from_regex(r"\Alang:.{0,20}\Z"),
)


@EXAMPLES
@given(data=CALLBACK_DATA)
def test_any_button_press_gets_one_short_toast_and_nothing_else(stub, bot_thread, data):
    user = fresh_user()
    chat = Chat.private(user)
    stub.add_chat(chat)
    query = stub.push_callback(chat, user, 1, data)
    deadline = time.monotonic() + 15
    while (answer := stub.callback_answer(query)) is None:
        assert time.monotonic() < deadline, f"press {data!r} was never answered"
        time.sleep(0.02)
    assert 0 < len(answer.text) <= 200
    wait_quiet(stub, 0.3)
    assert stub.sent_to(chat.id) == []
    assert stub.rejected == []


@EXAMPLES
@given(
    query=st.one_of(TEXT.map(lambda t: t[:256]), st.just(ON_TOPIC_QUESTION), st.just("<b>" + ON_TOPIC_QUESTION + "&"))
)
def test_any_inline_query_is_answered_with_valid_results(stub, bot_thread, query):
    user = fresh_user()
    query_id = stub.push_inline_query(user, query)
    deadline = time.monotonic() + 20
    while not [a for a in stub.inline_answers if a.query_id == query_id]:
        assert time.monotonic() < deadline, (
            f"inline query {query!r} was never answered; rejected: {[(c.method, c.description) for c in stub.rejected]}"
        )
        time.sleep(0.02)
    assert stub.rejected == []


def button_data(message) -> dict[str, str]:
    return {b["text"]: b["callback_data"] for row in message.reply_markup["inline_keyboard"] for b in row}


def press(stub: BotApiStub, chat: Chat, user: User, message_id: int, data: str) -> str:
    query = stub.push_callback(chat, user, message_id, data)
    deadline = time.monotonic() + 20
    while (answer := stub.callback_answer(query)) is None:
        assert time.monotonic() < deadline, f"press {data!r} was never answered"
        time.sleep(0.02)
    return answer.text


# -- unusual senders and message kinds -------------------------------------------------------------


def test_an_anonymous_group_admins_ask_is_answered_as_a_reply(stub, bot_thread, no_rejected_calls):
    """Anonymous admins write as @GroupAnonymousBot (a bot) with sender_chat set to the group."""
    group = fresh_group()
    asked = push(stub, group, ANON, {**command(f"/ask {ON_TOPIC_QUESTION}", "/ask"), "sender_chat": group.to_json()})
    [answer, *_] = replies_of(stub, group)
    assert answer.reply_to_message_id == asked
    assert any("召回了驻蒙古大使" in quote for quote in answer.blockquotes)


def test_a_forwarded_question_in_private_is_answered(stub, bot_thread, no_rejected_calls):
    user = fresh_user()
    chat = Chat.private(user)
    origin = {"type": "hidden_user", "sender_user_name": "Someone", "date": 1}
    push(stub, chat, user, {"text": ON_TOPIC_QUESTION, "forward_origin": origin})
    [answer, *_] = replies_of(stub, chat)
    assert any("召回了驻蒙古大使" in quote for quote in answer.blockquotes)


def test_captions_are_not_read_as_questions(stub, bot_thread, no_rejected_calls):
    """A photo whose caption mentions the bot in a group is left alone (the bot answers text only);
    in private, a captioned photo gets the "text only" hint, not an answer or an error."""
    photo = [{"file_id": "AgACphoto", "file_unique_id": "AQADphoto", "width": 90, "height": 90}]
    group, user = fresh_group(), fresh_user()
    caption = f"@{BOT_USERNAME} {ON_TOPIC_QUESTION}"
    caption_entities = [{"type": "mention", "offset": 0, "length": 1 + len(BOT_USERNAME)}]
    push(stub, group, user, {"photo": photo, "caption": caption, "caption_entities": caption_entities})
    private_user = fresh_user()
    chat = Chat.private(private_user)
    push(stub, chat, private_user, {"photo": photo, "caption": ON_TOPIC_QUESTION})
    [hint] = replies_of(stub, chat)
    wait_quiet(stub)
    assert "only read text" in hint.plain_text
    assert stub.sent_to(group.id) == []


# -- privacy, forged button data, races and odd shapes of a question ---------------------------------


@pytest.mark.parametrize(
    "text, name",
    [
        (f"/ask@some_other_bot {ON_TOPIC_QUESTION}", "/ask@some_other_bot"),
        ("/help@some_other_bot", "/help@some_other_bot"),
        (f"/start@some_other_bot {ON_TOPIC_QUESTION}", "/start@some_other_bot"),
    ],
)
def test_a_command_for_another_bot_in_reply_to_the_bots_answer_is_ignored(stub, bot_thread, text, name):
    """Privacy: a command addressed to another bot is not a question for this one, even when it
    happens to reply to one of this bot's answers."""
    group, asker, other = fresh_group(), fresh_user(), fresh_user()
    push(stub, group, asker, command(f"/ask {ON_TOPIC_QUESTION}", "/ask"))
    [answer] = replies_of(stub, group)
    push(stub, group, other, command(text, name), reply_to=answer.message_id)
    wait_quiet(stub)
    extra = [m.plain_text[:120] for m in stub.sent_to(group.id)[1:]]
    assert extra == [], f"the bot answered {text!r}, a command for another bot"


def test_forged_more_button_data_does_not_reveal_another_users_question(stub, bot_thread):
    """Callback data comes from the client (the Bot API warns that it may not match any button):
    Bob pressing "m:<id of Alice's answer>" under his own answer must not see Alice's question."""
    alice, bob = fresh_user(), fresh_user()
    alice_chat, bob_chat = Chat.private(alice), Chat.private(bob)
    secret = "我的邻居金某是朝鲜译员吗？为什么朝鲜召回大使？"
    push(stub, alice_chat, alice, {"text": secret})
    [alices_answer] = replies_of(stub, alice_chat)
    push(stub, bob_chat, bob, {"text": "《南下之路》是什么电影？"})
    [bobs_answer] = replies_of(stub, bob_chat)
    forged = button_data(alices_answer)
    gone = "This answer is no longer available"
    assert press(stub, bob_chat, bob, bobs_answer.message_id, forged["More excerpts"]).startswith(gone)
    assert press(stub, bob_chat, bob, bobs_answer.message_id, forged["👎"]).startswith(gone)
    wait_quiet(stub)
    assert not any("金某" in m.plain_text for m in stub.sent_to(bob_chat.id))
    # Alice's own buttons still work for her.
    assert not press(stub, alice_chat, alice, alices_answer.message_id, forged["👍"]).startswith(gone)


def test_a_double_tap_on_more_does_not_send_the_same_excerpts_twice(stub, bot_thread):
    user = fresh_user()
    chat = Chat.private(user)
    push(stub, chat, user, {"text": ON_TOPIC_QUESTION})
    [answer] = replies_of(stub, chat)
    more = button_data(answer)["More excerpts"]
    first = stub.push_callback(chat, user, answer.message_id, more)
    second = stub.push_callback(chat, user, answer.message_id, more)
    wait_quiet(stub, 5)
    assert stub.callback_answer(first) and stub.callback_answer(second)
    quoted = [quote for m in stub.sent_to(chat.id) for quote in m.blockquotes]
    assert len(quoted) == len(set(quoted)), "the same excerpt was sent twice"


def test_a_document_prefix_with_an_empty_question_gets_the_empty_question_hint(stub, bot_thread):
    user = fresh_user()
    chat = Chat.private(user)
    push(stub, chat, user, {"text": "#mongolia ？？？"})
    [reply] = replies_of(stub, chat)
    assert "question is empty" in reply.plain_text, reply.plain_text


def test_the_bots_own_inline_result_sent_into_its_chat_is_not_answered_again(stub, bot_thread):
    """A reader who uses inline mode in the bot's own chat and taps a result sends the bot a
    message via_bot=the bot: that is the bot's excerpt, not a new question."""
    user = fresh_user()
    chat = Chat.private(user)
    bot_user = stub.bot_user.to_json()
    excerpt = "2024年，一名朝鲜译员在乌兰巴托叛逃，引发了外交危机。朝鲜随后召回了驻蒙古大使。"
    text = f"{ON_TOPIC_QUESTION}\n\n{excerpt}\n— 蒙古与朝鲜半岛 (Test Gazette, 2025-11-04) — § 叛逃危机, ¶ 2"
    push(stub, chat, user, {"text": text, "via_bot": bot_user})
    wait_quiet(stub, 4)
    assert stub.sent_to(chat.id) == []


def test_lang_pressed_in_a_group_makes_no_call_telegram_refuses(stub, bot_thread):
    """A member who never opened a private chat with the bot picks a language in a group: the
    choice works, but the bot then sets a command menu for a private chat that does not exist."""
    group, user = fresh_group(), fresh_user()
    push(stub, group, user, command("/lang", "/lang"))
    [keyboard] = replies_of(stub, group)
    assert press(stub, group, user, keyboard.message_id, "lang:ko").startswith("이제부터 한국어로")
    wait_quiet(stub, 1)
    assert [(c.method, c.description) for c in stub.rejected] == []


def test_a_mention_of_the_bot_after_ask_is_not_part_of_the_question(stub, bot_thread, no_rejected_calls):
    """ "/ask @bot question" is answered like "/ask question" (the mention is addressing, not content)."""
    user, group = fresh_user(), fresh_group()
    text = f"/ask @{BOT_USERNAME} {ON_TOPIC_QUESTION}"
    entities = [
        {"type": "bot_command", "offset": 0, "length": 4},
        {"type": "mention", "offset": 5, "length": 1 + len(BOT_USERNAME)},
    ]
    push(stub, group, user, {"text": text, "entities": entities})
    [answer, *_] = replies_of(stub, group)
    assert answer.texts_of("bold"), f"no direct answer: {answer.plain_text[:120]!r}"


class ManyDocuments:
    """The real library, listing 250 more documents (a larger collection) besides its own."""

    def __init__(self, library) -> None:
        self.library = library
        self.extra = [
            DocumentInfo(id=f"annual-report-{year}-q{quarter}-{n}", title=f"Annual report {year} Q{quarter} <{n}> & co")
            for n, (year, quarter) in enumerate(itertools.product(range(1960, 2023), range(1, 5)))
        ][:250]

    def __getattr__(self, name: str):
        return getattr(self.library, name)

    def documents(self):
        return [*self.library.documents(), *self.extra]


@pytest.fixture
def big_bot_thread(unlimited, library):
    with BotThread(unlimited, ManyDocuments(library)) as running_bot:
        yield running_bot


def test_sources_and_help_of_a_large_collection_arrive_as_valid_messages(stub, big_bot_thread, no_rejected_calls):
    user = fresh_user()
    chat = Chat.private(user)
    push(stub, chat, user, command("/sources", "/sources"))
    sources = replies_of(stub, chat, 2)
    assert sum("Annual report 2022 Q2 <249> & co" in m.plain_text for m in sources) == 1
    push(stub, chat, user, command("/help", "/help"))
    wait_sent(stub, chat.id, len(sources) + 1)
    for message in stub.sent_to(chat.id):
        assert_valid(message)


def test_an_unknown_document_in_a_large_collection_is_named_not_an_error(stub, big_bot_thread):
    """ "#nope question" lists the known ids in one message, however many there are."""
    user = fresh_user()
    chat = Chat.private(user)
    push(stub, chat, user, {"text": f"#nope {ON_TOPIC_QUESTION}"})
    wait_sent(stub, chat.id, 1)
    wait_quiet(stub, 1)
    sent = stub.sent_to(chat.id)
    assert [(c.method, c.description) for c in stub.rejected] == []
    assert sent and all(ERROR_TEXT not in m.plain_text for m in sent)
    assert "#nope" in sent[0].plain_text


class FailingLibrary:
    """The real library, except that answering fails (a damaged index, say)."""

    def __init__(self, library) -> None:
        self.library = library

    def __getattr__(self, name: str):
        return getattr(self.library, name)

    def answer(self, *args, **kwargs):
        raise RuntimeError("index file is corrupt")


def test_an_inline_query_is_answered_even_when_answering_fails(stub, unlimited, library):
    """In chats a failure gets "something went wrong"; an inline query must at least get an
    (empty) answer instead of a spinner that never ends."""
    with BotThread(unlimited, FailingLibrary(library)):
        query_id = stub.push_inline_query(fresh_user(), ON_TOPIC_QUESTION)
        deadline = time.monotonic() + 10
        while not [a for a in stub.inline_answers if a.query_id == query_id]:
            assert time.monotonic() < deadline, "the inline query was never answered"
            time.sleep(0.05)
