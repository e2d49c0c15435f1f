"""Telegram HTML for answers and the bot's fixed replies, split into sendable messages."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError

from citebot.index.answering.answer import Answer
from citebot.index.corpus.documents import DocumentInfo
from citebot.index.corpus.text import split_sentences

from .i18n import Translator

MAX_MESSAGE_UTF16 = 4096
MAX_QUESTION_CHARS = 1000
MAX_EXCERPTS = 3
QUOTE_PREVIEW_CHARS = 80

BLOCK_SEPARATOR = "\n\n"
# Markup that translated texts may carry; anything else in them is plain text.
_INLINE_MARKUP = re.compile(r"<(b|i|code)>(.*?)</\1>", re.DOTALL)


@dataclass(frozen=True)
class Span:
    """Plain text shown inside the given tags (outermost first)."""

    text: str
    tags: tuple[str, ...] = ()


Block = tuple[Span, ...]


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def open_tags(tags: Sequence[str]) -> str:
    return "".join(f"<{tag}>" for tag in tags)


def close_tags(tags: Sequence[str]) -> str:
    return "".join(f"</{tag}>" for tag in reversed(tags))


def render_span(span: Span) -> str:
    return open_tags(span.tags) + escape(span.text) + close_tags(span.tags)


def render_block(block: Block) -> str:
    return "".join(render_span(span) for span in block)


def hard_split(text: str, max_units: int) -> list[str]:
    """Pieces of text whose escaped form fits max_units UTF-16 units, preferring to cut at spaces."""
    pieces: list[str] = []
    current, size, last_space = "", 0, -1
    for char in text:
        cost = utf16_len(escape(char))
        if size + cost > max_units and current:
            cut = last_space + 1 if last_space > len(current) // 2 else len(current)
            pieces.append(current[:cut])
            current = current[cut:]
            size = utf16_len(escape(current))
            last_space = -1
        if char.isspace():
            last_space = len(current)
        current += char
        size += cost
    if current:
        pieces.append(current)
    return pieces


@dataclass
class _Segment:
    tags: tuple[str, ...]
    text: str
    block: int
    span: int  # -1 for the separator between blocks


class _Packer:
    """Fills messages with blocks, splitting a block at sentence boundaries when it must."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.messages: list[str] = []
        self.segments: list[_Segment] = []
        self.size = 0
        self.block = 0

    def add_block(self, block: Block) -> None:
        self.block += 1
        whole = render_block(block)
        if (
            self.segments
            and self.size + utf16_len(BLOCK_SEPARATOR + whole) > self.limit
            and utf16_len(whole) <= self.limit
        ):
            self.flush()
        for span_number, span in enumerate(block):
            budget = self.limit - utf16_len(open_tags(span.tags) + close_tags(span.tags))
            for sentence in split_sentences(span.text):
                for piece in hard_split(sentence, budget):
                    self.add_piece(span, span_number, piece)

    def add_piece(self, span: Span, span_number: int, piece: str) -> None:
        if not self.segments and not piece.strip():
            return
        cost = self.cost(span, span_number, piece)
        if self.size + cost > self.limit:
            self.flush()
            if not piece.strip():
                return
            cost = self.cost(span, span_number, piece)
        if self.continues(span_number):
            self.segments[-1].text += piece
        else:
            if self.starts_block():
                self.segments.append(_Segment((), BLOCK_SEPARATOR, self.block, -1))
            self.segments.append(_Segment(span.tags, piece, self.block, span_number))
        self.size += cost

    def continues(self, span_number: int) -> bool:
        return bool(self.segments) and (self.segments[-1].block, self.segments[-1].span) == (self.block, span_number)

    def starts_block(self) -> bool:
        return bool(self.segments) and self.segments[-1].block != self.block

    def cost(self, span: Span, span_number: int, piece: str) -> int:
        if self.continues(span_number):
            return utf16_len(escape(piece))
        separator = BLOCK_SEPARATOR if self.starts_block() else ""
        return utf16_len(separator + render_span(Span(piece, span.tags)))

    def flush(self) -> None:
        if self.segments:
            self.messages.append("".join(render_span(Span(s.text, s.tags)) for s in self.segments))
        self.segments, self.size = [], 0


def pack(blocks: Iterable[Block], limit: int = MAX_MESSAGE_UTF16) -> list[str]:
    """HTML messages of at most `limit` UTF-16 units, each valid on its own."""
    packer = _Packer(limit)
    for block in blocks:
        if any(span.text.strip() for span in block):
            packer.add_block(block)
    packer.flush()
    return packer.messages


def shorten(text: str, limit: int = QUOTE_PREVIEW_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def fill(template: str, **values: object) -> str:
    """A translated HTML template with its %(name)s placeholders filled by escaped values."""
    return template % {name: escape(str(value)) for name, value in values.items()}


def markup_spans(source: str) -> Block:
    """Spans of a translated text that may mark words with <b>, <i> or <code> (escaped otherwise)."""
    spans: list[Span] = []
    position = 0
    for match in _INLINE_MARKUP.finditer(source):
        if match.start() > position:
            spans.append(Span(html.unescape(source[position : match.start()])))
        spans.append(Span(html.unescape(match.group(2)), (match.group(1),)))
        position = match.end()
    if position < len(source):
        spans.append(Span(html.unescape(source[position:])))
    return tuple(spans)


def answer_blocks(t: Translator, answer: Answer) -> list[Block]:
    if not answer.answered:
        return decline_blocks(t, answer.question)
    blocks: list[Block] = [(Span(answer.text),)] if answer.text.strip() else []
    for number, excerpt in enumerate(answer.excerpts[:MAX_EXCERPTS], start=1):
        blocks.append(
            (
                Span(excerpt.text.strip(), ("blockquote",)),
                Span(f"\n[{number}] "),
                Span(excerpt.citation(), ("i",)),
            )
        )
    return blocks or decline_blocks(t, answer.question)


def decline_blocks(t: Translator, question: str) -> list[Block]:
    return [
        markup_spans(
            fill(
                t.gettext("I couldn't find an answer to “<i>%(question)s</i>” in my documents."),
                question=shorten(question),
            )
        ),
        (Span(t.gettext("Try asking it another way, or see /sources for what I know about.")),),
    ]


def render_answer(t: Translator, answer: Answer) -> list[str]:
    """The answer as one or more HTML messages: direct answer, then quoted, cited excerpts."""
    return pack(answer_blocks(t, answer))


def start_text(t: Translator) -> str:
    return t.gettext(
        "<b>Hello!</b> I answer questions about a small collection of documents. "
        "My answers use the documents' own sentences, and I quote the passages I used "
        "so you can check them.\n\n"
        "Just send me a question. /help explains more, /sources lists the documents."
    )


def help_messages(t: Translator, documents: Sequence[DocumentInfo], bot_username: str) -> list[str]:
    blocks: list[Block] = [(Span(t.gettext("What I know"), ("b",)),)]
    blocks += [(Span("• "), *document_title_spans(doc)) for doc in documents] or [
        (Span(t.gettext("No documents are loaded yet.")),)
    ]
    blocks += [
        (Span(t.gettext("How to ask"), ("b",)),),
        (Span(t.gettext("In a private chat, just send me your question.")),),
        markup_spans(
            fill(
                t.gettext(
                    "In a group, write <code>/ask your question</code> (or /ask@%(bot)s …), "
                    "or reply to one of my messages with a follow-up."
                ),
                bot=bot_username,
            )
        ),
        (
            Span(
                t.ngettext(
                    "I answer with the documents' own sentences, followed by up to %(n)d quoted excerpt "
                    "with its document, section and paragraph.",
                    "I answer with the documents' own sentences, followed by up to %(n)d quoted excerpts "
                    "with their document, section and paragraph.",
                    MAX_EXCERPTS,
                )
                % {"n": MAX_EXCERPTS}
            ),
        ),
        (
            Span(
                t.gettext(
                    "If the documents don't cover a question, I say so. Questions can be up to %(limit)d "
                    "characters; start one with #document-id (see /sources) to ask that document only."
                )
                % {"limit": MAX_QUESTION_CHARS}
            ),
        ),
        (Span(t.gettext("/sources lists the documents with their publication, date and source.")),),
    ]
    return pack(blocks)


def document_title_spans(doc: DocumentInfo) -> tuple[Span, ...]:
    spans: tuple[Span, ...] = (Span(doc.title, ("b",)),)
    if doc.original_title and doc.original_title != doc.title:
        spans += (Span(f" ({doc.original_title})"),)
    return spans


def sources_messages(t: Translator, documents: Sequence[DocumentInfo]) -> list[str]:
    if not documents:
        return [escape(t.gettext("No documents are loaded yet."))]
    count = len(documents)
    heading = t.ngettext("Documents I know (%(n)d)", "Documents I know (%(n)d)", count) % {"n": count}
    blocks: list[Block] = [(Span(heading, ("b",)),)]
    for number, doc in enumerate(documents, start=1):
        details = [
            (t.gettext("Original title"), doc.original_title),
            (t.gettext("Publication"), doc.publication),
            (t.gettext("Date"), doc.date),
            (t.gettext("Language"), language_name(t, doc.language)),
            (t.gettext("Source"), doc.source),
        ]
        lines = tuple(Span(f"\n{label}: {value}") for label, value in details if value)
        ask_one = markup_spans(fill(t.gettext("To ask only this one, start with <code>#%(doc)s</code>"), doc=doc.id))
        blocks.append((Span(f"{number}. {doc.title}", ("b",)), *lines, Span("\n"), *ask_one))
    return pack(blocks)


def unknown_document_text(t: Translator, doc: str, known: Sequence[str]) -> str:
    names = ", ".join(f"<code>#{escape(d)}</code>" for d in known) or escape(t.gettext("none"))
    template = t.gettext("I have no document <code>#%(doc)s</code>. Documents: %(names)s.")
    return template % {"doc": escape(doc), "names": names}


def language_name(t: Translator, code: str) -> str:
    """A document's language in the reader's language: "Chinese (zh)", "中文 (zh)"."""
    if not code:
        return code
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(t.locale)
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return f"{name} ({code})" if name else code


def ask_usage_text(t: Translator) -> str:
    return t.gettext(
        "Put your question after the command, for example:\n"
        "<code>/ask your question</code>\n"
        "You can also reply to one of my messages with a follow-up question."
    )


def empty_question_text(t: Translator) -> str:
    return escape(t.gettext("Your question is empty. Send me a question in words; /sources lists what I know about."))


def too_long_question_text(t: Translator, length: int) -> str:
    return escape(
        t.gettext(
            "Your question is %(length)d characters long. Please keep it under %(limit)d characters "
            "and ask one thing at a time."
        )
        % {"length": length, "limit": MAX_QUESTION_CHARS}
    )


def non_text_text(t: Translator) -> str:
    return escape(t.gettext("I can only read text. Please send your question as a text message."))


def unknown_command_text(t: Translator) -> str:
    return escape(t.gettext("I don't know that command. /help lists what I can do."))


def error_text(t: Translator) -> str:
    return escape(t.gettext("Sorry, something went wrong while handling your message. Please try again in a moment."))


def reindex_refused_text(t: Translator) -> str:
    return escape(t.gettext("Only the bot's administrators can rebuild the index."))


def reindex_started_text(t: Translator) -> str:
    return escape(
        t.gettext(
            "Rebuilding the index… I keep answering questions from the current index meanwhile "
            "and will tell you when the new one is live."
        )
    )


def reindex_running_text(t: Translator) -> str:
    return escape(t.gettext("A rebuild is already running. I'll tell you when it is done."))


def reindex_done_text(t: Translator, documents: int, chunks: int, seconds: float) -> str:
    return t.ngettext(
        "The new index is live: <b>%(documents)d</b> document, <b>%(chunks)d</b> chunks, built in %(seconds)s s.",
        "The new index is live: <b>%(documents)d</b> documents, <b>%(chunks)d</b> chunks, built in %(seconds)s s.",
        documents,
    ) % {"documents": documents, "chunks": chunks, "seconds": f"{seconds:.1f}"}


def reindex_failed_text(t: Translator, problem: str | None = None) -> str:
    """`problem` is a data problem the admin can fix (a file that cannot be read), shown to them."""
    failed = escape(t.gettext("The rebuild failed; the previous index is still in use."))
    reason = escape(problem) + "." if problem else escape(t.gettext("The details are in the bot's log."))
    return f"{failed} {reason}"
