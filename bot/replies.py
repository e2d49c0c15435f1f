"""Fixed texts for buttons, inline mode, fair use and the admin commands, in the reader's language.

Every function takes the reader's translator (bot/i18n.py) and returns Telegram HTML with everything
from outside escaped, unless it says it returns plain text.
"""

from __future__ import annotations

from collections.abc import Sequence

from citebot.bot.formatting import MAX_QUOTED_ID_CHARS, closest_passages_text, document_names, escape, shorten
from citebot.bot.i18n import Translator

# -- buttons under an answer ----------------------------------------------------------------------


def more_button(t: Translator) -> str:
    return t.gettext("More excerpts")


def vote_toast(t: Translator, vote: int, previous: int | None) -> str:
    if previous == vote:
        return t.gettext("You already voted 👍.") if vote > 0 else t.gettext("You already voted 👎.")
    if previous is not None:
        return t.gettext("Changed your vote to 👍.") if vote > 0 else t.gettext("Changed your vote to 👎.")
    return t.gettext("Thanks! Your 👍 is noted.") if vote > 0 else t.gettext("Thanks! Your 👎 is noted.")


def answer_gone_toast(t: Translator) -> str:
    return t.gettext("This answer is no longer available. Please ask your question again.")


def stale_button_toast(t: Translator) -> str:
    return t.gettext("This button no longer works. Please ask your question again.")


def more_sent_toast(t: Translator) -> str:
    return t.gettext("Here are more excerpts.")


def no_more_excerpts_toast(t: Translator) -> str:
    return t.gettext("That is everything the documents have on this question.")


def more_header(t: Translator, question: str) -> str:
    """Plain text (it goes into a formatting Span, which escapes it)."""
    return t.gettext("More on “%(question)s”:") % dict(question=shorten(question))


def busy_toast(t: Translator) -> str:
    return t.gettext("Sorry, that did not work. Please try again in a moment.")


# -- inline mode ----------------------------------------------------------------------------------


def inline_no_answer_title(t: Translator) -> str:
    return t.gettext("The documents don't answer this")


def inline_related_title(t: Translator) -> str:
    """Plain text: the title of passages that are about the query but do not clearly answer it."""
    return closest_passages_text(t).rstrip(":： ")


def inline_limited_title(t: Translator, seconds: int) -> str:
    """Plain text: the one inline result offered past the fair-use limit."""
    return rate_limited_toast(t, seconds)


def inline_no_answer_text(t: Translator, query: str) -> str:
    return t.gettext("The documents I answer from don't answer “%(question)s”.") % dict(question=escape(shorten(query)))


# -- fair use -------------------------------------------------------------------------------------


def rate_limited_text(t: Translator, limit: int, seconds: int) -> str:
    per_minute = t.ngettext("up to %(limit)s question a minute", "up to %(limit)s questions a minute", limit)
    wait = t.ngettext("Please try again in %(seconds)s second.", "Please try again in %(seconds)s seconds.", seconds)
    return t.gettext("You are asking faster than I can answer everyone fairly (%(per_minute)s). %(wait)s") % dict(
        per_minute=per_minute % dict(limit=limit), wait=wait % dict(seconds=seconds)
    )


def rate_limited_toast(t: Translator, seconds: int) -> str:
    return t.ngettext(
        "Too many questions. Try again in %(seconds)s second.",
        "Too many questions. Try again in %(seconds)s seconds.",
        seconds,
    ) % dict(seconds=seconds)


# -- admin: refusals and confirmations ------------------------------------------------------------


def admin_only_text(t: Translator) -> str:
    return t.gettext("Sorry, only the bot's administrators can do that.")


def confirmation_expired_toast(t: Translator) -> str:
    return t.gettext("This confirmation has expired. Please send the command again.")


def not_your_confirmation_toast(t: Translator) -> str:
    return t.gettext("Only the administrator who asked can confirm this.")


def cancelled_text(t: Translator) -> str:
    return t.gettext("Cancelled; nothing was changed.")


def working_toast(t: Translator) -> str:
    return t.gettext("Working on it…")


def cancel_button(t: Translator) -> str:
    return t.gettext("Cancel")


def rebuild_abandoned_text(t: Translator) -> str:
    return t.gettext(
        "The bot is restarting, so the rebuild was stopped; the previous index is still in use. "
        "Send /reindex again when the bot is back."
    )


def rebuild_busy_text(t: Translator) -> str:
    return t.gettext("A rebuild is already running. Please try again when it is done.")


# -- /reindex progress ----------------------------------------------------------------------------


def progress_reading(t: Translator) -> str:
    return t.gettext("Rebuilding the index: reading the documents…")


def progress_embedding(t: Translator, done: int, total: int) -> str:
    return t.gettext("Rebuilding the index: embedding chunks %(done)s/%(total)s…") % dict(done=done, total=total)


def progress_swapping(t: Translator) -> str:
    return t.gettext("Rebuilding the index: swapping in the new index…")


def progress_done(t: Translator, generation: str, documents: int, chunks: int, seconds: float) -> str:
    docs = t.ngettext("%(n)s document", "%(n)s documents", documents) % dict(n=documents)
    parts = t.ngettext("%(n)s chunk", "%(n)s chunks", chunks) % dict(n=chunks)
    return t.gettext(
        "The new index is live: generation <code>%(generation)s</code>, %(documents)s, %(chunks)s, "
        "built in %(seconds)s s."
    ) % dict(generation=escape(generation), documents=docs, chunks=parts, seconds=f"{seconds:.1f}")


# -- documents from the chat ----------------------------------------------------------------------


def upload_refused_text(t: Translator) -> str:
    return t.gettext("Only the bot's administrators can add documents. To ask a question, send it as text.")


def upload_wrong_type_text(t: Translator, name: str) -> str:
    return t.gettext("I can add .md, .txt and .html files; “%(name)s” is none of these.") % dict(name=escape(name))


def upload_too_big_text(t: Translator, limit_mb: int) -> str:
    return t.gettext("This file is too big: documents can be up to %(limit)s MB.") % dict(limit=limit_mb)


def upload_not_utf8_text(t: Translator) -> str:
    return t.gettext("This file is not UTF-8 text. Please save it as UTF-8 and send it again.")


def upload_binary_text(t: Translator) -> str:
    return t.gettext("This file looks binary, not text. Please send a .md, .txt or .html text file.")


def upload_empty_text(t: Translator) -> str:
    return t.gettext("This file has no text to answer from.")


def upload_unreadable_text(t: Translator, problem: str) -> str:
    return t.gettext("I could not read this document: %(problem)s") % dict(problem=escape(problem))


def upload_bad_id_text(t: Translator, problem: str) -> str:
    return t.gettext(
        "The file name does not make a usable document id: %(problem)s. "
        "Rename the file (letters, digits, “-”, “_”) and send it again."
    ) % dict(problem=escape(problem))


def upload_download_failed_text(t: Translator) -> str:
    return t.gettext("I could not download this file from Telegram. Please send it again.")


def upload_exists_text(t: Translator, doc_id: str) -> str:
    return t.gettext("A document with the id <code>%(id)s</code> exists already. Replace it with this file?") % dict(
        id=escape(doc_id)
    )


def replace_button(t: Translator) -> str:
    return t.gettext("Replace")


def upload_done_text(t: Translator, doc_id: str, chunks: int, replaced: bool) -> str:
    parts = t.ngettext("%(n)s chunk", "%(n)s chunks", chunks) % dict(n=chunks)
    text = (
        t.gettext("Replaced <code>%(id)s</code>: %(chunks)s. /sources lists it.")
        if replaced
        else t.gettext("Added <code>%(id)s</code>: %(chunks)s. /sources lists it.")
    )
    return text % dict(id=escape(doc_id), chunks=parts)


def upload_index_failed_text(t: Translator, problem: str | None) -> str:
    detail = escape(problem) if problem else t.gettext("The details are in the bot's log.")
    return t.gettext("I could not index this document, so nothing was changed. %(problem)s") % dict(problem=detail)


def upload_in_group_text(t: Translator) -> str:
    return t.gettext("Please send documents to me in a private chat.")


def remove_usage_text(t: Translator) -> str:
    return t.gettext("Write <code>/remove document-id</code>; /sources lists the ids.")


def remove_unknown_text(t: Translator, doc_id: str, known: Sequence[str]) -> str:
    return t.gettext("There is no document <code>%(id)s</code>. Documents: %(names)s.") % dict(
        id=escape(shorten(doc_id, MAX_QUOTED_ID_CHARS)), names=document_names(t, doc_id, known)
    )


def remove_confirm_text(t: Translator, doc_id: str, title: str) -> str:
    return t.gettext("Remove <b>%(title)s</b> (<code>%(id)s</code>) and rebuild the index?") % dict(
        title=escape(title), id=escape(doc_id)
    )


def remove_button(t: Translator) -> str:
    return t.gettext("Remove")


def remove_last_text(t: Translator) -> str:
    return t.gettext("This is the only document; I need at least one to answer from, so I kept it.")


def remove_done_text(t: Translator, doc_id: str) -> str:
    return t.gettext("Removed <code>%(id)s</code>.") % dict(id=escape(doc_id))
