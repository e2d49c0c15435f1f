"""The `citebot` command."""

from __future__ import annotations

import json
import logging
import sys
import unicodedata
from pathlib import Path

import click
from pydantic import ValidationError

from . import __version__, redaction
from .progress import TerminalProgress
from .settings import SAMPLE_DATA_DIR, Settings, checkout_root

RELATED_TEXT = "The documents do not say this directly; the closest passages:"

NO_TOKEN = """\
TELEGRAM_BOT_TOKEN is not set.

To run the bot, create one with @BotFather in Telegram (/newbot), then either
  export TELEGRAM_BOT_TOKEN=123456:ABC...   or put that line in a .env file here.

To try citebot without Telegram:
  citebot ask "Why did North Korea recall its ambassador?"
"""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise click.ClickException(f"invalid configuration: {problems}") from exc


def open_library(settings: Settings, rebuild_if_outdated: bool = True):
    from citebot.index.corpus.documents import DocumentError
    from citebot.index.library import ReindexInProgress
    from citebot.index.retrieval.embedding import EmbedderError
    from citebot.index.storage.store import IndexWriteFailed

    from .services import open_library as open_configured_library

    try:
        return open_configured_library(settings, TerminalProgress(), rebuild_if_outdated)
    except (DocumentError, EmbedderError, IndexWriteFailed) as exc:
        raise click.ClickException(str(exc)) from exc
    except ReindexInProgress as exc:
        raise click.ClickException(f"{exc}; try again when it has finished") from exc


def _set_verbose(ctx: click.Context, param: click.Parameter, verbose: bool) -> None:
    if verbose:
        logging.getLogger().setLevel(logging.INFO)


VERBOSE_HELP = "Log progress to standard error."


class Commands(click.Group):
    """Every subcommand also takes -v/--verbose, so it works after the subcommand too."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        cmd.params.append(
            click.Option(
                ["-v", "--verbose"], is_flag=True, expose_value=False, callback=_set_verbose, help=VERBOSE_HELP
            )
        )
        super().add_command(cmd, name)


@click.group(cls=Commands)
@click.version_option(__version__, prog_name="citebot")
@click.option("-v", "--verbose", is_flag=True, help=VERBOSE_HELP)
def cli(verbose: bool) -> None:
    """Answer questions about documents with verbatim, cited excerpts."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # faiss announces at INFO which CPU instructions its loader picked: noise for a user.
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)


@cli.command()
def run() -> None:
    """Run the Telegram bot (long polling); builds the index first if there is none."""
    settings = load_settings()
    if not settings.telegram_bot_token:
        click.echo(NO_TOKEN, err=True)
        sys.exit(2)
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    redaction.install(settings.telegram_bot_token)
    import asyncio

    from telegram.error import InvalidToken

    from citebot.bot.application import check_token, run_bot

    try:  # before anything slow, such as building the index
        asyncio.run(check_token(settings))
    except InvalidToken:
        raise click.ClickException(
            "Telegram rejected the bot token: check TELEGRAM_BOT_TOKEN (or TELEGRAM_BOT_TOKEN_FILE), "
            "and TELEGRAM_API_BASE_URL if you set it."
        ) from None
    from citebot.bot.store import QuestionLog, QuestionLogUnavailable

    try:  # a log that cannot be opened stops the bot at once, with the reason (see README)
        asyncio.run(QuestionLog(settings.db_path).check())
        run_bot(settings, open_library(settings, rebuild_if_outdated=False))  # the bot rebuilds while answering
    except QuestionLogUnavailable as exc:
        raise click.ClickException(str(exc)) from None


@cli.command()
def reindex() -> None:
    """Rebuild the index from the data directory and swap it in atomically."""
    from citebot.index.corpus.documents import DocumentError
    from citebot.index.retrieval.embedding import EmbedderError, make_embedder
    from citebot.index.storage.build import build_index
    from citebot.index.storage.store import BuildInProgress, IndexWriteFailed

    settings = load_settings()
    try:
        embedder = make_embedder(settings.embedding_backend, settings.embedding_model)
        report = build_index(
            settings.data_dir,
            settings.index_dir,
            embedder,
            progress=TerminalProgress(),
            limits=settings.document_limits(),
        )
    except (DocumentError, EmbedderError, IndexWriteFailed) as exc:
        raise click.ClickException(str(exc)) from exc
    except BuildInProgress as exc:
        raise click.ClickException(f"{exc}; try again when it has finished") from exc
    appended = f"appended {report.appended} new document(s); " if report.appended else ""
    click.echo(
        f"indexed {report.documents} document(s), {report.chunks} chunks in {report.seconds:.1f}s "
        f"({appended}{report.reused_vectors} vectors reused) -> {report.generation}"
    )


@cli.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question; reads stdin lines if no QUESTION.")
@click.option("--doc", help="Only search the document with this id.")
def ask(question: str | None, as_json: bool, doc: str | None) -> None:
    """Answer QUESTION from the documents."""
    if question is None and sys.stdin.isatty():
        click.echo(click.get_current_context().get_help())
        raise SystemExit(2)
    # Lines end at "\n" only: str.splitlines() would also break a question at a form feed or a
    # Unicode line separator, and the answers would no longer line up with the questions.
    lines = sys.stdin.read().split("\n") if question is None else [question]
    questions = [line.removesuffix("\r") for line in lines if line.strip()]
    if not questions:
        raise click.UsageError("give a QUESTION, or questions on standard input, one a line")
    library = open_library(load_settings())
    if doc is not None and doc not in {d.id for d in library.documents()}:
        raise click.ClickException(f"no document {doc!r}; `citebot sources` lists them")
    for q in questions:
        answer = library.answer(q, doc=doc)
        click.echo(json_line(answer.as_json()) if as_json else for_terminal(render_answer(answer)))


def json_line(value: object) -> str:
    """One line of JSON: the characters other readers split lines at (NEL, the Unicode line and
    paragraph separators) written as escapes, as JSON allows inside strings."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("\x85", "\\u0085").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def for_terminal(text: str) -> str:
    """Text from documents or readers without control characters: an escape sequence in a
    document (OSC 52 sets the clipboard) must not reach the terminal that prints it."""
    return "".join(char for char in text if char in "\n\t" or unicodedata.category(char) != "Cc")


def render_answer(answer) -> str:
    if not answer.shows_excerpts:
        return "The documents do not answer this question."
    lines = [answer.text if answer.answered else RELATED_TEXT, ""]
    for number, excerpt in enumerate(answer.excerpts, 1):
        lines += [f"[{number}] {excerpt.text}", f"    — {excerpt.citation()}"]
    return "\n".join(lines)


@cli.command()
def sources() -> None:
    """List the indexed documents."""
    for info in open_library(load_settings()).documents():
        original = f" ({info.original_title})" if info.original_title else ""
        click.echo(
            for_terminal(
                f"{info.id}: {info.title}{original} — {info.publication} {info.date} [{info.language}] {info.chunks} chunks"
            )
        )


@cli.command()
def stats() -> None:
    """How the bot is doing: questions, users, answers, latency, votes, what it could not answer (as /stats)."""
    import asyncio
    import sqlite3

    from citebot.bot.i18n import ENGLISH_TEXTS
    from citebot.bot.interactions import Interactions
    from citebot.bot.stats import stats_plain_text
    from citebot.bot.store import QuestionLog, QuestionLogUnavailable

    settings = load_settings()
    if not settings.db_path.exists():
        raise click.ClickException(f"no question log at {settings.db_path} yet: the bot has not been asked anything")

    async def read():
        async with QuestionLog(settings.db_path) as log:
            return await Interactions(log).stats()

    try:
        report = asyncio.run(read())
    except (QuestionLogUnavailable, sqlite3.Error) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(for_terminal(stats_plain_text(ENGLISH_TEXTS, report)))


@cli.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def evaluate_command(file: Path, as_json: bool) -> None:
    """Score retrieval and abstention on a questions file (JSON lines)."""
    from citebot.index.evaluation import evaluate, load_cases, render

    try:
        cases = load_cases(file)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    report = evaluate(open_library(load_settings()), cases)
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else render(report))


@cli.command()
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option(
    "--scale",
    "scale_sizes",
    multiple=True,
    type=click.IntRange(min=1000),
    default=[100_000],
    show_default=True,
    help="Generated collection sizes to time search (and, up to 200,000 chunks, loading) on; repeat the option.",
)
@click.option(
    "--append-to",
    "append_sizes",
    multiple=True,
    type=click.IntRange(min=1000),
    default=[100_000],
    show_default=True,
    help="Collection sizes to time appending the data directory's documents to; repeat the option.",
)
def bench(file: Path | None, as_json: bool, scale_sizes: tuple[int, ...], append_sizes: tuple[int, ...]) -> None:
    """Measure speed on this machine: the model's floor, answers offline and through the Bot API,
    start-up, memory, indexing, and search and loading at scale. Uses a temporary index, never the
    live one."""
    from citebot import bench as benchmark
    from citebot.index.evaluation import load_cases

    file = file or benchmark.REPO_ROOT / "eval" / "tuning.jsonl"
    if not file.exists():
        raise click.UsageError("give a questions FILE (JSON lines with a 'question' field)")
    try:
        questions = [c.question for c in load_cases(file)]
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if not questions:
        raise click.ClickException(f"no questions in {file}")
    report = benchmark.run(load_settings(), questions, list(scale_sizes), list(append_sizes))
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else benchmark.render(report))


@cli.command()
def health() -> None:
    """Exit 0 when the live index loads and the question log opens (for container health checks)."""
    import asyncio

    from citebot.bot.store import QuestionLog
    from citebot.index.storage import store

    settings = load_settings()
    try:
        stored = store.load(settings.index_dir)
    except (store.IndexMissing, store.IndexCorrupt) as exc:
        raise click.ClickException(f"index not usable: {exc}") from exc

    async def check_log() -> int:
        async with QuestionLog(settings.db_path) as log:
            return await log.count()

    try:
        questions = asyncio.run(check_log())
    except Exception as exc:
        raise click.ClickException(f"question log not usable ({settings.db_path}): {exc}") from exc
    click.echo(f"ok: index {stored.path.name} ({len(stored.chunks)} chunks), {questions} questions logged")


@cli.command("import")
@click.argument("raw", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "doc_id", required=True, help="Document id (file name in the data directory).")
@click.option("--title", required=True)
@click.option("--original-title", default="")
@click.option("--publication", default="")
@click.option("--date", default="")
@click.option("--language", default="")
@click.option("--source", default="")
@click.option("--force", is_flag=True, help="Replace an existing document with the same id.")
def import_page(raw: Path, doc_id: str, force: bool, **meta: str) -> None:
    """Clean a scraped article page (RAW text) into a Markdown document in the data directory."""
    import yaml

    from citebot.index.corpus.cleaning import to_markdown
    from citebot.index.corpus.documents import DocumentError, parse_document
    from citebot.index.corpus.ids import InvalidDocumentId, check_document_id
    from citebot.index.corpus.writing import DocumentExists, write_document

    settings = load_settings()
    if settings.data_dir == SAMPLE_DATA_DIR and checkout_root() is None:
        raise click.ClickException(
            "the built-in sample collection is part of the installed package: set CITEBOT_DATA_DIR to a folder "
            "of your own documents first"
        )
    try:
        check_document_id(doc_id)
    except InvalidDocumentId as exc:
        raise click.BadParameter(str(exc), param_hint="--id") from exc
    try:
        body = to_markdown(raw.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{raw} is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    front = yaml.safe_dump({"id": doc_id, **{k: v for k, v in meta.items() if v}}, allow_unicode=True, sort_keys=False)
    document = f"---\n{front}---\n\n{body}"
    try:  # what every later reindex would refuse is refused now, before it is written
        parse_document(document.encode("utf-8"), Path(f"{doc_id}.md"), settings.document_limits())
    except DocumentError as exc:
        raise click.ClickException(f"not imported: {exc}") from exc
    try:
        target = write_document(settings.data_dir, doc_id, document, replace=force)
    except DocumentExists as exc:
        raise click.ClickException(f"{exc}; pass --force to replace it") from exc
    except OSError as exc:
        raise click.ClickException(
            f"cannot write the document into {settings.data_dir}: {exc.strerror or exc}"
        ) from exc
    click.echo(f"wrote {target}; run `citebot reindex` to index it")


def main() -> None:
    cli()
