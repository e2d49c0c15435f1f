"""Telegram HTML for answers and the bot's fixed replies, split into sendable messages."""

from __future__ import annotations

import difflib
import functools
import html
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError

from citebot.index.answering.answer import Answer, Excerpt
from citebot.index.corpus.documents import DocumentInfo
from citebot.index.corpus.text import split_sentences

from .i18n import Translator

MAX_MESSAGE_UTF16 = 4096
MAX_QUESTION_CHARS = 1000
MAX_EXCERPTS = 3
QUOTE_PREVIEW_CHARS = 80

BLOCK_SEPARATOR = "\n\n"
# A long quote folds (expandable blockquote) when the direct answer starts within what the folded
# quote still shows (about three lines on a phone).
FOLDED_QUOTE_CHARS = 200
FOLD_PREVIEW_CHARS = 60
# Excerpts after the first are shown only when their score is this close to the best one. On the 128
# answered development and tuning questions (2026-11-27) 0.04 hides 92 of the 256 second and third
# excerpts, 90 of them off the point, and keeps 17 of the 19 that held evidence the first lacked.
CLOSE_SCORE_MARGIN = 0.04
_WEB_ADDRESS = re.compile(r"https?://\S+\Z")
# Markup that translated texts may carry; anything else in them is plain text.
_INLINE_MARKUP = re.compile(r"<(b|i|code)>(.*?)</\1>", re.DOTALL)


@dataclass(frozen=True)
class Span:
    """Plain text shown inside the given tags (outermost first)."""

    text: str
    tags: tuple[str, ...] = ()


Block = tuple[Span, ...]


# Invisible format characters (Unicode category Cf) can reorder or hide what the bot echoes back:
# bidi overrides and isolates (U+202A-202E, U+2066-2069), marks (U+200E/F, U+061C), zero-width
# spaces and joiners. Kept: ZWNJ and ZWJ, which Persian, Indic scripts and emoji sequences need,
# and the tag characters of emoji subdivision flags.
_KEPT_FORMAT_CHARS = {"\u200c", "\u200d"}


@functools.lru_cache(maxsize=4096)
def _is_shown(char: str) -> bool:
    return unicodedata.category(char) != "Cf" or char in _KEPT_FORMAT_CHARS or "\U000e0020" <= char <= "\U000e007f"


def neutralise(text: str) -> str:
    """The text without invisible format characters (bidi controls and the like)."""
    return "".join(filter(_is_shown, text))


def escape(text: str) -> str:
    """HTML-escaped for Telegram, with invisible format characters removed: used for everything
    shown, so no question, id, title or excerpt can reorder or hide the text around it."""
    return html.escape(neutralise(text), quote=False)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def open_tags(tags: Sequence[str]) -> str:
    return "".join(f"<{tag}>" for tag in tags)


def close_tags(tags: Sequence[str]) -> str:
    """Closing tags; a tag may carry attributes ('a href="…"', 'blockquote expandable')."""
    return "".join(f"</{tag.split()[0]}>" for tag in reversed(tags))


def render_nested(pieces: Iterable[tuple[tuple[str, ...], str]]) -> str:
    """Consecutive texts sharing outer tags inside one element: a quote with a bold part stays one quote."""
    out: list[str] = []
    current: tuple[str, ...] = ()
    for tags, text in pieces:
        shared = 0
        while shared < min(len(current), len(tags)) and current[shared] == tags[shared]:
            shared += 1
        out += [close_tags(current[shared:]), open_tags(tags[shared:]), escape(text)]
        current = tags
    out.append(close_tags(current))
    return "".join(out)


def render_span(span: Span) -> str:
    return open_tags(span.tags) + escape(span.text) + close_tags(span.tags)


def render_block(block: Block) -> str:
    return "".join(render_span(span) for span in block)


def hard_split(text: str, max_units: int) -> list[str]:
    """Pieces of text whose escaped form fits max_units UTF-16 units, preferring to cut at spaces."""
    if utf16_len(escape(text)) <= max_units:  # nearly always: a sentence is far below a message
        return [text] if text else []
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
            self.messages.append(render_nested((s.tags, s.text) for s in self.segments))
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


def shown_excerpts(excerpts: Sequence[Excerpt]) -> list[Excerpt]:
    """The best excerpt, and the next ones only while their score is close to the best one's."""
    if not excerpts:
        return []
    best = excerpts[0].score
    return [e for e in excerpts[:MAX_EXCERPTS] if best - e.score <= CLOSE_SCORE_MARGIN]


def quote_spans(text: str, direct: str) -> tuple[tuple[Span, ...], bool]:
    """An excerpt as a quote with the direct answer in bold inside it; True if the answer was there.

    A long quote is folded (expandable) unless the direct answer would be hidden by the fold.
    """
    at = text.find(direct) if direct else -1
    folds = len(text) > FOLDED_QUOTE_CHARS and at <= FOLD_PREVIEW_CHARS
    quote = "blockquote expandable" if folds else "blockquote"
    if at < 0:
        return (Span(text, (quote,)),), False
    end = at + len(direct)
    spans = (Span(text[:at], (quote,)), Span(direct, (quote, "b")), Span(text[end:], (quote,)))
    return tuple(span for span in spans if span.text), True


def source_url(doc: DocumentInfo | None) -> str:
    return doc.source if doc and _WEB_ADDRESS.match(doc.source) else ""


def citation_spans(number: int, excerpt: Excerpt, doc: DocumentInfo | None, name_document: bool) -> Block:
    """[n] Title (publication, date) — § section, ¶ n; the title only the first time, linked to its source."""
    where = f"§ {excerpt.section}, ¶ {excerpt.paragraph}" if excerpt.section else f"¶ {excerpt.paragraph}"
    if not name_document:
        return (Span(f"\n[{number}] "), Span(where, ("i",)))
    url = source_url(doc)
    title = (Span(excerpt.doc_title, ("i", f'a href="{html.escape(url, quote=True)}"')),) if url else ()
    title = title or (Span(excerpt.doc_title, ("i",)),)
    byline = f" ({excerpt.byline})" if excerpt.byline else ""
    return (Span(f"\n[{number}] "), *title, Span(f"{byline} — {where}", ("i",)))


def answer_blocks(
    t: Translator, answer: Answer, documents: Mapping[str, DocumentInfo] | None = None, verbatim_note: bool = False
) -> list[Block]:
    if not answer.shows_excerpts:
        return decline_blocks(t, answer.question)
    documents = documents or {}
    direct = answer.text.strip() if answer.answered else ""
    blocks: list[Block] = []
    named: set[str] = set()
    for number, excerpt in enumerate(shown_excerpts(answer.excerpts), start=1):
        quote, marked = quote_spans(excerpt.text.strip(), direct)
        direct = "" if marked else direct
        doc = documents.get(excerpt.doc)
        blocks.append((*quote, *citation_spans(number, excerpt, doc, excerpt.doc not in named)))
        named.add(excerpt.doc)
    if direct:  # not found verbatim in any quote: say it first, on its own
        blocks.insert(0, (Span(direct),))
    if not answer.answered:  # related: the passages are about the question but do not clearly answer it
        blocks.insert(0, (Span(closest_passages_text(t)),))
    if verbatim_note:
        blocks.append(verbatim_note_block(t, documents.get(answer.excerpts[0].doc)))
    return blocks


def closest_passages_text(t: Translator) -> str:
    """Plain text: what introduces passages that are about a question but do not clearly answer it."""
    return t.gettext("The documents do not say this directly; the closest passages:")


def needs_verbatim_note(t: Translator, answer: Answer, documents: Mapping[str, DocumentInfo]) -> bool:
    """Whether the quotes (of an answer or of the closest passages) are in a language other than the
    reader's, so they may expect a translation."""
    languages = {documents[e.doc].language.split("-")[0] for e in answer.excerpts if e.doc in documents}
    return answer.shows_excerpts and any(language and language != t.document_language for language in languages)


def verbatim_note_block(t: Translator, doc: DocumentInfo | None) -> Block:
    language = language_display_name(t, doc.language) if doc and doc.language else ""
    if language:
        note = t.gettext(
            "The excerpts are the article's own words, quoted in its language (%(language)s) and not translated, "
            "so you can check exactly what it says."
        ) % {"language": language}
    else:
        note = t.gettext("The excerpts are the article's own words, quoted as written and not translated.")
    return (Span("ℹ️ " + note, ("i",)),)


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


def render_answer(
    t: Translator, answer: Answer, documents: Mapping[str, DocumentInfo] | None = None, verbatim_note: bool = False
) -> list[str]:
    """The answer as HTML messages: quoted, cited excerpts with the direct answer in bold inside its quote.

    `documents` (by id) give the citations their source links and the note its language;
    `verbatim_note` adds the one-time note that quotes are not translated.
    """
    return pack(answer_blocks(t, answer, documents, verbatim_note))


def start_text(t: Translator) -> str:
    return t.gettext(
        "<b>Hello!</b> I answer questions about a small collection of documents. "
        "My answers use the documents' own sentences, and I quote the passages I used "
        "so you can check them.\n\n"
        "Just send me a question. /help explains more, /sources lists the documents."
    )


def group_start_text(t: Translator, bot_username: str) -> str:
    """/start in a group: how to ask there, given that privacy mode hides ordinary messages from the bot."""
    return fill(
        t.gettext(
            "<b>Hello!</b> I answer questions about a small collection of documents, quoting their own words.\n\n"
            "To ask me here, write <code>/ask your question</code> (or /ask@%(bot)s …), or reply to one of my "
            "answers. I only see commands and replies to my messages (Telegram's privacy mode), so the rest of "
            "this group's conversation stays private from me.\n\n"
            "/help explains more, /sources lists the documents, /lang changes the language I reply in."
        ),
        bot=bot_username,
    )


def choose_language_text(t: Translator) -> str:
    return escape(t.gettext("Choose the language I reply to you in:"))


def language_set_text(t: Translator, language: str) -> str:
    """Plain text (also a button toast): `language` is the language's own name."""
    return t.gettext("I'll reply to you in %(language)s from now on. /lang changes it.") % {"language": language}


def unknown_language_text(t: Translator) -> str:
    """Plain text for a toast."""
    return t.gettext("I don't speak that language. Send /lang to see the ones I do.")


def error_text_plain(t: Translator) -> str:
    """The error message as plain text, for a toast."""
    return t.gettext("Sorry, something went wrong while handling your message. Please try again in a moment.")


def help_messages(
    t: Translator, documents: Sequence[DocumentInfo], bot_username: str, in_group: bool = False
) -> list[str]:
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
        (Span(t.gettext("/lang changes the language I reply to you in.")),),
    ]
    if in_group:
        blocks.append(
            (
                Span(
                    t.gettext(
                        "In groups I only see commands and replies to my messages (Telegram's privacy mode), "
                        "so ask with /ask or reply to one of my answers."
                    )
                ),
            )
        )
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


MAX_LISTED_DOCUMENTS = 20
MAX_QUOTED_ID_CHARS = 100  # an unknown id is quoted back shortened: "/remove <4,000 characters>"


def document_names(t: Translator, wanted: str, known: Sequence[str], mark: str = "") -> str:
    """The documents a reply about an unknown one lists: all of a small collection, in order; of
    a large one (hundreds would not fit in a message) those spelled closest to `wanted`, then
    how many more /sources lists."""
    if not known:
        return escape(t.gettext("none"))
    shown = list(known)
    if len(shown) > MAX_LISTED_DOCUMENTS:
        shown = difflib.get_close_matches(wanted, shown, n=MAX_LISTED_DOCUMENTS, cutoff=0.0)
    names = ", ".join(f"<code>{mark}{escape(d)}</code>" for d in shown)
    hidden = len(known) - len(shown)
    return names + (t.gettext(" and %(count)d more (/sources lists them all)") % {"count": hidden} if hidden else "")


def unknown_document_text(t: Translator, doc: str, known: Sequence[str]) -> str:
    template = t.gettext("I have no document <code>#%(doc)s</code>. Documents: %(names)s.")
    return template % {
        "doc": escape(shorten(doc, MAX_QUOTED_ID_CHARS)),
        "names": document_names(t, doc, known, mark="#"),
    }


def language_name(t: Translator, code: str) -> str:
    """A document's language in the reader's language: "Chinese (zh)", "中文 (zh)"."""
    name = language_display_name(t, code)
    return f"{name} ({code})" if name and name != code else code


def language_display_name(t: Translator, code: str) -> str:
    """A language's name in the reader's language ("Chinese", "中文", "хятад"); the code if unknown."""
    if not code:
        return code
    try:
        return Locale.parse(code.replace("-", "_")).get_display_name(t.locale) or code
    except (UnknownLocaleError, ValueError, TypeError):
        return code


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
    return escape(error_text_plain(t))


def flood_wait_text(t: Translator, seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return escape(
        t.gettext(
            "Telegram is limiting how fast I may send messages right now. Please ask again in about %(minutes)d min."
        )
        % {"minutes": minutes}
    )


def reindex_refused_text(t: Translator) -> str:
    return escape(t.gettext("Only the bot's administrators can rebuild the index."))


def reindex_running_text(t: Translator) -> str:
    return escape(t.gettext("A rebuild is already running. I'll tell you when it is done."))


def reindex_failed_text(t: Translator, problem: str | None = None) -> str:
    """`problem` is a data problem the admin can fix (a file that cannot be read), shown to them."""
    failed = escape(t.gettext("The rebuild failed; the previous index is still in use."))
    reason = escape(problem) + "." if problem else escape(t.gettext("The details are in the bot's log."))
    return f"{failed} {reason}"
