"""A local stand-in for the Telegram Bot API: a real HTTP server speaking the subset the bot uses.

Tests push updates (as Telegram would deliver them to getUpdates) and read back what the bot
sent. It rejects what Telegram rejects: bad HTML, over-long or empty texts, unknown chats,
replies to missing messages, invalid command lists; and can answer with 429 flood errors.
Faults can be injected per method (see "fault injection"): error codes, slow answers, dropped
connections and bodies that are not JSON.
Stricter than Telegram in one way: a bare "&" that starts no entity is refused.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import itertools
import json
import re
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.telegram_html import HtmlParseError, ParsedHtml, parse_html, utf16_len

MAX_TEXT_UTF16 = 4096
CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_LEADING_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?")


DOWNLOAD = "download"  # the method name that fault rules use for file downloads (/file/bot…)


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def bad_request(reason: str) -> ApiError:
    return ApiError(HTTPStatus.BAD_REQUEST, f"Bad Request: {reason}")


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False

    def to_json(self) -> dict:
        data = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass(frozen=True)
class Chat:
    id: int
    type: str
    title: str | None = None
    first_name: str | None = None

    @classmethod
    def private(cls, user: User) -> Chat:
        return cls(id=user.id, type="private", first_name=user.first_name)

    @classmethod
    def group(cls, chat_id: int, title: str, type: str = "supergroup") -> Chat:
        return cls(id=chat_id, type=type, title=title)

    def to_json(self) -> dict:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.title:
            data["title"] = self.title
        if self.first_name:
            data["first_name"] = self.first_name
        return data


@dataclass(frozen=True)
class ApiCall:
    method: str
    params: dict
    status: int
    description: str = ""
    injected: bool = False  # a fault the test asked for, not a mistake of the bot


@dataclass(frozen=True)
class SentMessage:
    message_id: int
    chat_id: int
    text: str
    parse_mode: str | None
    plain_text: str
    entities: list[dict]
    reply_to_message_id: int | None
    reply_markup: dict | None = None

    @property
    def blockquotes(self) -> list[str]:
        """Every quote, folded (expandable) or not."""
        return [self.entity_text(e) for e in self.entities if e["type"] in ("blockquote", "expandable_blockquote")]

    @property
    def expandable_blockquotes(self) -> list[str]:
        return [self.entity_text(e) for e in self.entities if e["type"] == "expandable_blockquote"]

    def texts_of(self, entity_type: str) -> list[str]:
        return [self.entity_text(e) for e in self.entities if e["type"] == entity_type]

    def entity_text(self, entity: dict) -> str:
        units = self.plain_text.encode("utf-16-le")
        start, end = 2 * entity["offset"], 2 * (entity["offset"] + entity["length"])
        return units[start:end].decode("utf-16-le")


@dataclass(frozen=True)
class Fault:
    """One kind of misbehaviour: "status" (an error answer), "slow", "drop" or "garbage"."""

    kind: str
    status: int = HTTPStatus.INTERNAL_SERVER_ERROR
    retry_after: int | None = None
    description: str = ""
    seconds: float = 0.0


@dataclass
class _FaultRule:
    method: str
    fault: Fault
    times: int | None

    def matches(self, method: str) -> bool:
        if self.times == 0:
            return False
        return self.method == "*" or re.fullmatch(self.method, method, re.IGNORECASE) is not None

    def take(self) -> Fault:
        if self.times is not None:
            self.times -= 1
        return self.fault


@dataclass
class _State:
    updates: deque[dict] = field(default_factory=deque)
    messages: dict[tuple[int, int], dict] = field(default_factory=dict)
    chats: dict[int, Chat] = field(default_factory=dict)
    message_ids: dict[int, itertools.count] = field(default_factory=dict)
    calls: list[ApiCall] = field(default_factory=list)
    sent: list[SentMessage] = field(default_factory=list)
    chat_actions: list[tuple[int, str]] = field(default_factory=list)
    commands: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    floods: deque[int] = field(default_factory=deque)
    faults: list[_FaultRule] = field(default_factory=list)
    confirmed_offset: int = 0
    closed: bool = False


# == Chat UX: inline keyboards, callback queries, inline queries, message edits, files ====================
# What the buttons, inline mode, /reindex progress and document uploads need. Kept apart from the
# rest so that other sections (fault injection) can grow without touching this one.

MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_TOAST_CHARS = 200
MAX_INLINE_RESULTS = 50
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


@dataclass(frozen=True)
class CallbackAnswer:
    query_id: str
    text: str
    show_alert: bool


@dataclass(frozen=True)
class InlineAnswer:
    query_id: str
    results: list[dict]
    cache_time: int | None
    is_personal: bool


@dataclass(frozen=True)
class Edit:
    chat_id: int
    message_id: int
    plain_text: str
    reply_markup: dict | None


@dataclass
class _ChatUxState:
    callback_queries: dict[str, dict] = field(default_factory=dict)
    callback_answers: dict[str, CallbackAnswer] = field(default_factory=dict)
    inline_queries: set[str] = field(default_factory=set)
    inline_answers: list[InlineAnswer] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    query_ids: itertools.count = field(default_factory=lambda: itertools.count(1))


class ChatUxApi:
    """The Bot API methods and test controls for buttons, inline mode, edits and files."""

    _state: _State
    _changed: threading.Condition
    _update_ids: itertools.count
    bot_user: User

    if TYPE_CHECKING:  # provided by BotApiStub

        def _push_message(self, chat: Chat, user: User, content: dict, reply_to: int | None) -> int: ...

        def _parse(self, text: str, parse_mode: str | None) -> ParsedHtml: ...

        def _chat(self, params: dict) -> Chat: ...

    @property
    def _ux(self) -> _ChatUxState:
        if not hasattr(self, "_ux_state"):
            self._ux_state = _ChatUxState()
        return self._ux_state

    # -- what tests do ---------------------------------------------------------------------

    def push_callback(self, chat: Chat, user: User, message_id: int, data: str) -> str:
        """The user presses an inline button with `data` under message `message_id`; returns the query id."""
        with self._changed:
            message = self._state.messages.get((chat.id, message_id))
            query_id = f"cbq{next(self._ux.query_ids)}"
            query: dict[str, Any] = {
                "id": query_id,
                "from": user.to_json(),
                "chat_instance": f"ci{chat.id}",
                "data": data,
            }
            # A message too old for Telegram to send back still arrives as an inaccessible one.
            query["message"] = message or {"chat": chat.to_json(), "message_id": message_id, "date": 0}
            self._ux.callback_queries[query_id] = query
            self._state.updates.append({"update_id": next(self._update_ids), "callback_query": query})
            self._changed.notify_all()
        return query_id

    def push_inline_query(self, user: User, query: str) -> str:
        """The user types `@bot query` in some chat; returns the inline query id."""
        with self._changed:
            query_id = f"iq{next(self._ux.query_ids)}"
            self._ux.inline_queries.add(query_id)
            inline = {"id": query_id, "from": user.to_json(), "query": query, "offset": "", "chat_type": "sender"}
            self._state.updates.append({"update_id": next(self._update_ids), "inline_query": inline})
            self._changed.notify_all()
        return query_id

    def push_document(
        self,
        chat: Chat,
        user: User,
        file_name: str,
        content: bytes,
        *,
        caption: str | None = None,
        mime_type: str = "text/markdown",
        declared_size: int | None = None,
    ) -> int:
        """The user sends a file; `declared_size` is what Telegram reports (defaults to the real size)."""
        with self._changed:
            file_id = f"BQACAgIAAxkBdoc{len(self._ux.files) + 1}"
            self._ux.files[file_id] = (file_name, content)
        document = {
            "file_id": file_id,
            "file_unique_id": f"AgADdoc{len(content)}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content) if declared_size is None else declared_size,
        }
        message: dict[str, Any] = {"document": document}
        if caption:
            message["caption"] = caption
        return self._push_message(chat, user, message, None)

    # -- what tests read -------------------------------------------------------------------

    def callback_answer(self, query_id: str) -> CallbackAnswer | None:
        with self._changed:
            return self._ux.callback_answers.get(query_id)

    async def wait_for_callback_answer(self, query_id: str, timeout: float = 10.0) -> CallbackAnswer:
        deadline = time.monotonic() + timeout
        while (answer := self.callback_answer(query_id)) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"callback query {query_id} was not answered within {timeout}s")
            await asyncio.sleep(0.02)
        return answer

    @property
    def inline_answers(self) -> list[InlineAnswer]:
        with self._changed:
            return list(self._ux.inline_answers)

    async def wait_for_inline_answer(self, query_id: str, timeout: float = 10.0) -> InlineAnswer:
        deadline = time.monotonic() + timeout
        while not (found := [a for a in self.inline_answers if a.query_id == query_id]):
            if time.monotonic() > deadline:
                raise AssertionError(f"inline query {query_id} was not answered within {timeout}s")
            await asyncio.sleep(0.02)
        return found[0]

    @property
    def edits(self) -> list[Edit]:
        with self._changed:
            return list(self._ux.edits)

    def current_text(self, chat_id: int, message_id: int) -> str:
        """A message's plain text as it reads now, after any edits."""
        with self._changed:
            return self._state.messages[(chat_id, message_id)]["text"]

    def file_content(self, file_path: str) -> bytes | None:
        with self._changed:
            for file_id, (_, content) in self._ux.files.items():
                if file_path == _file_path(file_id):
                    return content
        return None

    # -- the API ---------------------------------------------------------------------------

    def _inline_markup(self, params: dict) -> dict | None:
        markup = _json(params.get("reply_markup"))
        if not markup:
            return None
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if not isinstance(rows, list):
            raise bad_request("the stub only implements inline keyboards")
        for button in (b for row in rows for b in row):
            if not str(button.get("text", "")).strip():
                raise bad_request("BUTTON_TEXT_EMPTY")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
        return markup

    def _api_answercallbackquery(self, params: dict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        text = str(params.get("text") or "")
        if len(text) > MAX_CALLBACK_TOAST_CHARS:
            raise bad_request("MESSAGE_TOO_LONG")
        with self._changed:
            if query_id not in self._ux.callback_queries or query_id in self._ux.callback_answers:
                raise bad_request("query is too old and response timeout expired or query ID is invalid")
            self._ux.callback_answers[query_id] = CallbackAnswer(query_id, text, _flag(params.get("show_alert")))
        return True

    def _api_answerinlinequery(self, params: dict) -> bool:
        query_id = str(params.get("inline_query_id") or "")
        results = _json(params.get("results"))
        if not isinstance(results, list) or len(results) > MAX_INLINE_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if len(set(ids)) != len(ids) or any(not 1 <= len(i.encode()) <= 64 for i in ids):
            raise bad_request("RESULT_ID_INVALID")
        for result in results:
            self._check_inline_result(result)
        with self._changed:
            if query_id not in self._ux.inline_queries:
                raise bad_request("query is too old and response timeout expired or query ID is invalid")
            self._ux.inline_queries.discard(query_id)
            cache_time = params.get("cache_time")
            self._ux.inline_answers.append(
                InlineAnswer(
                    query_id, results, None if cache_time is None else int(cache_time), _flag(params.get("is_personal"))
                )
            )
        return True

    def _check_inline_result(self, result: dict) -> None:
        if result.get("type") != "article" or not str(result.get("title", "")).strip():
            raise bad_request("the stub only implements article results, each with a title")
        content = result.get("input_message_content") or {}
        text = content.get("message_text")
        if not text:
            raise bad_request("MESSAGE_EMPTY")
        parsed = self._parse(text, content.get("parse_mode"))
        if utf16_len(parsed.text.strip()) > MAX_TEXT_UTF16:
            raise bad_request("MESSAGE_TOO_LONG")
        if "reply_markup" in result:
            self._inline_markup(result)

    def _api_editmessagetext(self, params: dict) -> dict:
        chat = self._chat(params)
        message_id = int(params.get("message_id") or 0)
        text = params.get("text")
        if not text:
            raise bad_request("message text is empty")
        parsed = self._parse(text, params.get("parse_mode") or None)
        if utf16_len(parsed.text.strip()) > MAX_TEXT_UTF16:
            raise bad_request("MESSAGE_TOO_LONG")
        markup = self._inline_markup(params)
        with self._changed:
            message = self._state.messages.get((chat.id, message_id))
            if message is None:
                raise bad_request("message to edit not found")
            if message["from"]["id"] != self.bot_user.id:
                raise bad_request("message can't be edited")
            if (message["text"], message.get("entities", []), message.get("reply_markup")) == (
                parsed.text,
                parsed.entities,
                markup,
            ):
                raise bad_request(NOT_MODIFIED)
            message.update(text=parsed.text, entities=parsed.entities, edit_date=int(time.time()))
            message.pop("reply_markup", None)
            if markup:
                message["reply_markup"] = markup
            self._ux.edits.append(Edit(chat.id, message_id, parsed.text, markup))
            return dict(message)

    def _api_editmessagereplymarkup(self, params: dict) -> dict:
        chat = self._chat(params)
        message_id = int(params.get("message_id") or 0)
        markup = self._inline_markup(params)
        with self._changed:
            message = self._state.messages.get((chat.id, message_id))
            if message is None:
                raise bad_request("message to edit not found")
            if message.get("reply_markup") == markup:
                raise bad_request(NOT_MODIFIED)
            message.pop("reply_markup", None)
            if markup:
                message["reply_markup"] = markup
            self._ux.edits.append(Edit(chat.id, message_id, message["text"], markup))
            return dict(message)

    def _api_getfile(self, params: dict) -> dict:
        file_id = str(params.get("file_id") or "")
        with self._changed:
            found = self._ux.files.get(file_id)
        if found is None:
            raise bad_request("invalid file_id")
        _, content = found
        if len(content) > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": f"AgADdoc{len(content)}",
            "file_size": len(content),
            "file_path": _file_path(file_id),
        }


def _file_path(file_id: str) -> str:
    return f"documents/{file_id}.bin"


# == end of the chat UX section ==========================================================================


class _QuietServer(ThreadingHTTPServer):
    """A client hanging up mid-request (a bot process stopped while it long-polls) is normal here,
    not a traceback on stderr."""

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class BotApiStub(ChatUxApi):
    """Run with `with BotApiStub() as stub:`; point the bot at `stub.base_url`."""

    def __init__(self, token: str = "123456789:stub-token", bot_username: str = "citebot_test_bot") -> None:
        self.token = token
        self.bot_user = User(
            id=int(token.split(":")[0]),
            first_name="Citebot",
            username=bot_username,
            language_code=None,
            is_bot=True,
        )
        self._state = _State()
        self._changed = threading.Condition()
        self._update_ids = itertools.count(1)
        self._server: _QuietServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> BotApiStub:
        self._server = _QuietServer(("127.0.0.1", 0), _RequestHandler)
        self._server.daemon_threads = True
        self._server.stub = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="botapi-stub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._changed:
            self._state.closed = True
            self._changed.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> BotApiStub:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "stub not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/bot"

    @property
    def bot_username(self) -> str:
        return self.bot_user.username or ""

    # -- what tests read -------------------------------------------------------------------

    @property
    def calls(self) -> list[ApiCall]:
        with self._changed:
            return list(self._state.calls)

    @property
    def sent(self) -> list[SentMessage]:
        with self._changed:
            return list(self._state.sent)

    @property
    def chat_actions(self) -> list[tuple[int, str]]:
        with self._changed:
            return list(self._state.chat_actions)

    @property
    def rejected(self) -> list[ApiCall]:
        """Calls Telegram would have refused as wrong (flood-limit answers are not counted)."""
        return [
            c for c in self.calls if c.status >= 400 and c.status != HTTPStatus.TOO_MANY_REQUESTS and not c.injected
        ]

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self.sent if m.chat_id == chat_id]

    def commands_for(self, scope: dict | None = None, language_code: str = "") -> list[str] | None:
        with self._changed:
            commands = self._state.commands.get((_scope_key(scope), language_code))
        return None if commands is None else [c["command"] for c in commands]

    def commands_with_descriptions(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        with self._changed:
            return list(self._state.commands.get((_scope_key(scope), language_code), []))

    @property
    def confirmed_offset(self) -> int:
        with self._changed:
            return self._state.confirmed_offset

    async def wait_for_messages(
        self, count: int, timeout: float = 10.0, chat_id: int | None = None
    ) -> list[SentMessage]:
        """The first `count` messages sent (to `chat_id`, if given), once that many have arrived."""
        deadline = time.monotonic() + timeout
        while True:
            sent = self.sent if chat_id is None else self.sent_to(chat_id)
            if len(sent) >= count:
                return sent[:count]
            if time.monotonic() > deadline:
                texts = [m.plain_text[:100] for m in sent]
                raise AssertionError(f"expected {count} sent messages within {timeout}s, got {len(sent)}: {texts}")
            await asyncio.sleep(0.02)

    async def wait_until_fetched(self, update_id: int, timeout: float = 10.0) -> None:
        """Until the bot has confirmed (fetched and moved its offset past) the given update."""
        deadline = time.monotonic() + timeout
        while self.confirmed_offset <= update_id:
            if time.monotonic() > deadline:
                raise AssertionError(f"update {update_id} was not fetched within {timeout}s")
            await asyncio.sleep(0.02)

    # -- what tests do ---------------------------------------------------------------------

    def add_chat(self, chat: Chat) -> None:
        """A chat the bot already knows, e.g. a user who talked to it before it started."""
        with self._changed:
            self._state.chats[chat.id] = chat

    def delete_message(self, chat: Chat, message_id: int) -> None:
        """The user deletes one of their messages."""
        with self._changed:
            del self._state.messages[(chat.id, message_id)]

    def flood_next(self, count: int, retry_after: int = 1) -> None:
        """Answer the next `count` sendMessage calls with 429 Too Many Requests."""
        with self._changed:
            self._state.floods.extend([retry_after] * count)

    def push_text(
        self, chat: Chat, user: User, text: str, *, reply_to: int | None = None, entities: list[dict] | None = None
    ) -> int:
        """Deliver a text message; commands get the bot_command entity Telegram adds. Returns its id."""
        content: dict[str, Any] = {"text": text}
        content["entities"] = command_entities(text) if entities is None else entities
        if not content["entities"]:
            del content["entities"]
        return self._push_message(chat, user, content, reply_to)

    def push_sticker(self, chat: Chat, user: User) -> int:
        sticker = {
            "file_id": "CAACAgIAAxkBAAIBsticker",
            "file_unique_id": "AgADsticker",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self._push_message(chat, user, {"sticker": sticker}, None)

    def push_photo(self, chat: Chat, user: User, caption: str | None = None) -> int:
        sizes = [
            {
                "file_id": f"AgACAgIAAxkBphoto{w}",
                "file_unique_id": f"AQADphoto{w}",
                "width": w,
                "height": w * 3 // 4,
                "file_size": w * 100,
            }
            for w in (90, 320, 800)
        ]
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        return self._push_message(chat, user, content, None)

    def push_message(self, chat: Chat, user: User, content: dict, *, reply_to: int | None = None) -> int:
        """Deliver any message content as Telegram sends it (a caption, sender_chat, via_bot,
        forward_origin…); returns its id."""
        return self._push_message(chat, user, content, reply_to)

    def all_fetched(self) -> bool:
        """Whether the bot has confirmed every update pushed so far."""
        with self._changed:
            last = self._state.updates[-1]["update_id"] if self._state.updates else None
            return last is None or self._state.confirmed_offset > last

    def last_update_id(self) -> int:
        with self._changed:
            return self._state.updates[-1]["update_id"] if self._state.updates else 0

    def _push_message(self, chat: Chat, user: User, content: dict, reply_to: int | None) -> int:
        with self._changed:
            self._state.chats[chat.id] = chat
            message = self._new_message(chat, user.to_json(), content, reply_to)
            update_id = next(self._update_ids)
            self._state.updates.append({"update_id": update_id, "message": message})
            self._changed.notify_all()
            return message["message_id"]

    def _new_message(self, chat: Chat, sender: dict, content: dict, reply_to: int | None) -> dict:
        ids = self._state.message_ids.setdefault(chat.id, itertools.count(1))
        message = {"message_id": next(ids), "from": sender, "chat": chat.to_json(), "date": int(time.time())}
        message.update(content)
        if reply_to is not None:
            replied = self._state.messages.get((chat.id, reply_to))
            if replied is None:
                raise KeyError(f"no message {reply_to} in chat {chat.id} to reply to")
            message["reply_to_message"] = {k: v for k, v in replied.items() if k != "reply_to_message"}
        self._state.messages[(chat.id, message["message_id"])] = message
        return message

    # -- fault injection (safety-bot) ---------------------------------------------------------
    # Telegram as it is on a bad day: each rule matches calls by method name (case-insensitive;
    # a regular expression, e.g. "send.*", or "*" for all) and spoils the next `times` of them
    # (None: every one until `clear_faults`). Failed calls are recorded with injected=True, so
    # `rejected` still lists only the bot's own mistakes.

    def fail_next(
        self, method: str, status: int = 500, times: int | None = 1, *, retry_after: int | None = None
    ) -> None:
        """Answer with an error status (500, 502, 429 with retry_after, 401…) without doing the call."""
        description = {401: "Unauthorized", 429: f"Too Many Requests: retry after {retry_after}"}.get(
            status, f"{HTTPStatus(status).phrase}"
        )
        self._add_fault(method, Fault("status", status=status, retry_after=retry_after, description=description), times)

    def slow_next(self, method: str, seconds: float, times: int | None = 1) -> None:
        """Do the call (a message is delivered), but send the answer only after `seconds`."""
        self._add_fault(method, Fault("slow", seconds=seconds), times)

    def drop_next(self, method: str, times: int | None = 1) -> None:
        """Close the connection without an answer, before doing the call."""
        self._add_fault(method, Fault("drop"), times)

    def garble_next(self, method: str, times: int | None = 1) -> None:
        """Answer 200 with a body that is not JSON (a proxy's error page), without doing the call."""
        self._add_fault(method, Fault("garbage"), times)

    def clear_faults(self) -> None:
        with self._changed:
            self._state.faults.clear()

    def take_fault(self, method: str) -> Fault | None:
        with self._changed:
            for rule in self._state.faults:
                if rule.matches(method):
                    return rule.take()
        return None

    def record_fault(self, method: str, params: dict, fault: Fault) -> None:
        status = {"drop": 0, "garbage": HTTPStatus.OK}.get(fault.kind, fault.status)
        self._record(ApiCall(method, params, status, f"injected {fault.kind}", injected=True))

    def _add_fault(self, method: str, fault: Fault, times: int | None) -> None:
        with self._changed:
            self._state.faults.append(_FaultRule(method, fault, times))

    # -- the API ---------------------------------------------------------------------------

    def handle(self, method: str, params: dict) -> tuple[int, dict]:
        endpoint = getattr(self, f"_api_{method.lower()}", None)
        try:
            if endpoint is None:
                raise ApiError(HTTPStatus.NOT_FOUND, "Not Found")
            result = endpoint(params)
        except ApiError as error:
            self._record(ApiCall(method, params, error.status, error.description))
            body = {"ok": False, "error_code": int(error.status), "description": error.description}
            if error.parameters:
                body["parameters"] = error.parameters
            return error.status, body
        if method.lower() != "getupdates" or result:
            self._record(ApiCall(method, params, HTTPStatus.OK))
        return HTTPStatus.OK, {"ok": True, "result": result}

    def _record(self, call: ApiCall) -> None:
        with self._changed:
            self._state.calls.append(call)

    def _api_getme(self, params: dict) -> dict:
        return {
            **self.bot_user.to_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }

    def _api_deletewebhook(self, params: dict) -> bool:
        if _flag(params.get("drop_pending_updates")):
            with self._changed:
                self._state.updates.clear()
        return True

    def _api_logout(self, params: dict) -> bool:
        return True

    def _api_close(self, params: dict) -> bool:
        return True

    def _api_getupdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        allowed = _json(params.get("allowed_updates")) or None
        deadline = time.monotonic() + timeout
        with self._changed:
            if offset:
                while self._state.updates and self._state.updates[0]["update_id"] < offset:
                    self._state.updates.popleft()
                self._state.confirmed_offset = max(self._state.confirmed_offset, offset)
            while True:
                pending = [u for u in self._state.updates if _allowed(u, allowed)][:limit]
                remaining = deadline - time.monotonic()
                if pending or remaining <= 0 or self._state.closed:
                    return pending
                self._changed.wait(remaining)

    def _api_sendchataction(self, params: dict) -> bool:
        chat = self._chat(params)
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        with self._changed:
            self._state.chat_actions.append((chat.id, action))
        return True

    def _api_sendmessage(self, params: dict) -> dict:
        chat = self._chat(params)
        self._take_flood()
        text = params.get("text")
        parse_mode = params.get("parse_mode") or None
        if not text:
            raise bad_request("message text is empty")
        parsed = self._parse(text, parse_mode)
        if not parsed.text.strip():
            raise bad_request("message text is empty")
        if utf16_len(parsed.text.strip()) > MAX_TEXT_UTF16:
            raise bad_request("message is too long")
        reply_to = self._reply_target(chat, params)
        markup = self._inline_markup(params)
        with self._changed:
            message = self._new_message(chat, self.bot_user.to_json(), {"text": parsed.text}, reply_to)
            if parsed.entities:
                message["entities"] = parsed.entities
            if markup:
                message["reply_markup"] = markup
            self._state.sent.append(
                SentMessage(
                    message_id=message["message_id"],
                    chat_id=chat.id,
                    text=text,
                    parse_mode=parse_mode,
                    plain_text=parsed.text,
                    entities=parsed.entities,
                    reply_to_message_id=reply_to,
                    reply_markup=markup,
                )
            )
            return message

    def _api_setmycommands(self, params: dict) -> bool:
        commands = _json(params.get("commands"))
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100 commands")
        for command in commands:
            if not _COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        scope = _json(params.get("scope"))
        if isinstance(scope, dict) and "chat_id" in scope:
            self._chat(scope)
        key = (_scope_key(scope), params.get("language_code") or "")
        with self._changed:
            self._state.commands[key] = commands
        return True

    def _api_getmycommands(self, params: dict) -> list[dict]:
        key = (_scope_key(_json(params.get("scope"))), params.get("language_code") or "")
        with self._changed:
            return list(self._state.commands.get(key, []))

    def _api_deletemycommands(self, params: dict) -> bool:
        key = (_scope_key(_json(params.get("scope"))), params.get("language_code") or "")
        with self._changed:
            self._state.commands.pop(key, None)
        return True

    def _chat(self, params: dict) -> Chat:
        try:
            chat_id = int(params["chat_id"])
        except (KeyError, TypeError, ValueError):
            raise bad_request("chat_id is empty") from None
        with self._changed:
            chat = self._state.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _take_flood(self) -> None:
        with self._changed:
            if not self._state.floods:
                return
            retry_after = self._state.floods.popleft()
        raise ApiError(
            HTTPStatus.TOO_MANY_REQUESTS, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )

    @staticmethod
    def _parse(text: str, parse_mode: str | None) -> ParsedHtml:
        if parse_mode is None:
            return ParsedHtml(text)
        if parse_mode.lower() != "html":
            raise bad_request(f"the stub only implements parse_mode HTML, got {parse_mode!r}")
        try:
            return parse_html(text)
        except HtmlParseError as error:
            raise bad_request(f"can't parse entities: {error}") from None

    def _reply_target(self, chat: Chat, params: dict) -> int | None:
        reply = _json(params.get("reply_parameters")) or {}
        message_id = reply.get("message_id") or params.get("reply_to_message_id")
        if message_id is None:
            return None
        message_id = int(message_id)
        with self._changed:
            exists = (chat.id, message_id) in self._state.messages
        if exists:
            return message_id
        if _flag(reply.get("allow_sending_without_reply", params.get("allow_sending_without_reply"))):
            return None
        raise bad_request("message to be replied not found")


def command_entities(text: str) -> list[dict]:
    match = _LEADING_COMMAND.match(text)
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}] if match else []


def _scope_key(scope: dict | None) -> str:
    return json.dumps(scope or {"type": "default"}, sort_keys=True)


def _allowed(update: dict, allowed: list[str] | None) -> bool:
    return not allowed or any(kind in update for kind in allowed)


def _flag(value: object) -> bool:
    return value in (True, "true", "True", "1", 1)


def _json(value: object) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _form_params(content_type: str, body: bytes) -> dict:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in json.loads(body).items()}
    if content_type.startswith("multipart/form-data"):
        parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        return {
            part.get_param("name", header="content-disposition"): part.get_content() for part in parsed.iter_parts()
        }
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def _serve(self) -> None:
        stub: BotApiStub = self.server.stub  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        token, _, method = url.path.removeprefix("/bot").partition("/")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if url.path.startswith("/file/bot"):
            self._serve_file(stub, url.path)
            return
        if not url.path.startswith("/bot") or token != stub.token:
            self._reply(HTTPStatus.UNAUTHORIZED, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        params = dict(parse_qsl(url.query))
        params.update(_form_params(self.headers.get("Content-Type", ""), body))
        fault = stub.take_fault(method)
        if fault is not None:
            self._fail(stub, method, params, fault)
            return
        status, payload = stub.handle(method, params)
        self._reply(status, payload)

    def _fail(self, stub: BotApiStub, method: str, params: dict, fault: Fault) -> None:
        """Misbehave as asked: see the fault injection section of BotApiStub."""
        if fault.kind == "slow":
            status, payload = stub.handle(method, params)  # done; only the answer is late
            time.sleep(fault.seconds)
            self._reply(status, payload)
            return
        stub.record_fault(method, params, fault)
        if fault.kind == "drop":
            self.close_connection = True  # no status line, no body: "Server disconnected"
        elif fault.kind == "garbage":
            self._reply_raw(HTTPStatus.OK, b"<html><body>502 Bad Gateway</body></html>", "text/html")
        else:
            payload = {"ok": False, "error_code": fault.status, "description": fault.description}
            if fault.retry_after is not None:
                payload["parameters"] = {"retry_after": fault.retry_after}
            self._reply(fault.status, payload)

    def _serve_file(self, stub: BotApiStub, path: str) -> None:
        """A file download; faults for it are set on the method name "download"."""
        token, _, file_path = unquote(path).removeprefix("/file/bot").partition("/")
        fault = stub.take_fault(DOWNLOAD)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.seconds)
        elif fault is not None:
            self._fail(stub, DOWNLOAD, {"file_path": file_path}, fault)
            return
        content = stub.file_content(file_path) if token == stub.token else None
        if content is None:
            self._reply(HTTPStatus.NOT_FOUND, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        self._reply_raw(HTTPStatus.OK, content, "application/octet-stream")

    def _reply(self, status: int, payload: dict) -> None:
        self._reply_raw(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json")

    def _reply_raw(self, status: int, data: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass
