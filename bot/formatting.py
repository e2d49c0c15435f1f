"""Telegram HTML for answers and the bot's fixed replies, split into sendable messages."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from citebot.index.answering.answer import Answer
from citebot.index.corpus.documents import DocumentInfo
from citebot.index.corpus.text import script_of, split_sentences

MAX_MESSAGE_UTF16 = 4096
MAX_QUESTION_CHARS = 1000
MAX_EXCERPTS = 3
QUOTE_PREVIEW_CHARS = 80

BLOCK_SEPARATOR = "\n\n"
_LANGUAGES = {
    "zh": "Chinese",
    "en": "English",
    "ko": "Korean",
    "mn": "Mongolian",
    "ru": "Russian",
    "ja": "Japanese",
    "fr": "French",
    "de": "German",
}


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
        if self.segments and self.size + utf16_len(BLOCK_SEPARATOR + whole) > self.limit:
            if utf16_len(whole) <= self.limit:
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


def answer_blocks(answer: Answer) -> list[Block]:
    if not answer.answered:
        return decline_blocks(answer.question)
    blocks: list[Block] = [(Span(answer.text),)] if answer.text.strip() else []
    for number, excerpt in enumerate(answer.excerpts[:MAX_EXCERPTS], start=1):
        blocks.append(
            (
                Span(excerpt.text.strip(), ("blockquote",)),
                Span(f"\n[{number}] "),
                Span(excerpt.citation(), ("i",)),
            )
        )
    return blocks or decline_blocks(answer.question)


# The decline speaks the question's language (by script): (before the question, after it, hint).
DECLINES = {
    "latin": (
        "I couldn't find an answer to “",
        "” in my documents.",
        "Try asking it another way, or see /sources for what I know about.",
    ),
    "han": ("我在文档中没有找到“", "”的答案。", "可以换个问法,或用 /sources 查看我所依据的文档。"),
    "hangul": (
        "문서에서 “",
        "”에 대한 답을 찾지 못했습니다.",
        "다르게 물어보시거나 /sources 로 제가 참고하는 문서를 확인해 보세요.",
    ),
    "cyrillic": (
        "Баримт бичгүүдээс “",
        "” асуултын хариултыг олсонгүй.",
        "Өөрөөр асууж үзэх эсвэл /sources командаар баримт бичгүүдийг харна уу.",
    ),
}


def decline_blocks(question: str) -> list[Block]:
    before, after, hint = DECLINES.get(script_of(question), DECLINES["latin"])
    return [(Span(before), Span(shorten(question), ("i",)), Span(after)), (Span(hint),)]


def render_answer(answer: Answer) -> list[str]:
    """The answer as one or more HTML messages: direct answer, then quoted, cited excerpts."""
    return pack(answer_blocks(answer))


def start_text() -> str:
    return (
        "<b>Hello!</b> I answer questions about a small collection of documents. "
        "My answers use the documents' own sentences, and I quote the passages I used "
        "so you can check them.\n\n"
        "Just send me a question. /help explains more, /sources lists the documents."
    )


def help_messages(documents: Sequence[DocumentInfo], bot_username: str) -> list[str]:
    blocks: list[Block] = [(Span("What I know", ("b",)),)]
    blocks += [(Span("• "), *document_title_spans(doc)) for doc in documents] or [
        (Span("No documents are loaded yet."),)
    ]
    blocks += [
        (Span("How to ask", ("b",)),),
        (Span("In a private chat, just send me your question."),),
        (
            Span("In a group, write "),
            Span("/ask your question", ("code",)),
            Span(f" (or /ask@{bot_username} …), or reply to one of my messages with a follow-up."),
        ),
        (
            Span(
                f"I answer with the documents' own sentences, followed by up to {MAX_EXCERPTS} quoted "
                f"excerpts with their document, section and paragraph. If the documents don't cover "
                f"a question, I say so. Questions can be up to {MAX_QUESTION_CHARS} characters; start one "
                f"with #document-id (see /sources) to ask that document only."
            ),
        ),
        (Span("/sources lists the documents with their publication, date and source."),),
    ]
    return pack(blocks)


def document_title_spans(doc: DocumentInfo) -> tuple[Span, ...]:
    spans = (Span(doc.title, ("b",)),)
    if doc.original_title and doc.original_title != doc.title:
        spans += (Span(f" ({doc.original_title})"),)
    return spans


def sources_messages(documents: Sequence[DocumentInfo]) -> list[str]:
    if not documents:
        return ["No documents are loaded yet."]
    blocks: list[Block] = [(Span(f"Documents I know ({len(documents)})", ("b",)),)]
    for number, doc in enumerate(documents, start=1):
        details = [
            ("Original title", doc.original_title),
            ("Publication", doc.publication),
            ("Date", doc.date),
            ("Language", language_name(doc.language)),
            ("Source", doc.source),
        ]
        lines = tuple(Span(f"\n{label}: {value}") for label, value in details if value)
        ask_one = (Span("\nTo ask only this one, start with "), Span(f"#{doc.id}", ("code",)))
        blocks.append((Span(f"{number}. {doc.title}", ("b",)), *lines, *ask_one))
    return pack(blocks)


def unknown_document_text(doc: str, known: Sequence[str]) -> str:
    names = ", ".join(f"<code>#{escape(d)}</code>" for d in known) or "none"
    return f"I have no document <code>#{escape(doc)}</code>. Documents: {names}."


def language_name(code: str) -> str:
    name = _LANGUAGES.get(code.split("-")[0].lower()) if code else None
    return f"{name} ({code})" if name else code


def ask_usage_text() -> str:
    return (
        "Put your question after the command, for example:\n"
        "<code>/ask your question</code>\n"
        "You can also reply to one of my messages with a follow-up question."
    )


def empty_question_text() -> str:
    return "Your question is empty. Send me a question in words; /sources lists what I know about."


def too_long_question_text(length: int) -> str:
    return (
        f"Your question is {length} characters long. Please keep it under "
        f"{MAX_QUESTION_CHARS} characters and ask one thing at a time."
    )


def non_text_text() -> str:
    return "I can only read text. Please send your question as a text message."


def unknown_command_text() -> str:
    return "I don't know that command. /help lists what I can do."


def error_text() -> str:
    return "Sorry, something went wrong while handling your message. Please try again in a moment."


def reindex_refused_text() -> str:
    return "Only the bot's administrators can rebuild the index."


def reindex_started_text() -> str:
    return (
        "Rebuilding the index… I keep answering questions from the current index meanwhile "
        "and will tell you when the new one is live."
    )


def reindex_running_text() -> str:
    return "A rebuild is already running. I'll tell you when it is done."


def reindex_done_text(documents: int, chunks: int, seconds: float) -> str:
    noun = "document" if documents == 1 else "documents"
    return f"The new index is live: <b>{documents}</b> {noun}, <b>{chunks}</b> chunks, built in {seconds:.1f} s."


def reindex_failed_text(problem: str | None = None) -> str:
    """`problem` is a data problem the admin can fix (a file that cannot be read), shown to them."""
    reason = f" {escape(problem)}." if problem else " The details are in the bot's log."
    return f"The rebuild failed; the previous index is still in use.{reason}"
