"""The `citebot` command on untrusted and unusual input: what a user or admin at the terminal notices.

Every test runs the installed command (tests.support.citebot) on temporary data and index folders:
a one-line error instead of a traceback, the right answer, no text lost, nothing that drives the
terminal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citebot.index.corpus.text import MAX_SENTENCE_CHARS
from tests.support import REPO, citebot, write_small_corpus


def citebot_bytes_stdin(*args: str, env: dict, stdin: bytes) -> subprocess.CompletedProcess:
    """As tests.support.citebot, but stdin given as raw bytes (which need not be UTF-8)."""
    command = [str(Path(sys.executable).parent / "citebot"), *args]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("CITEBOT_", "TELEGRAM_"))} | env
    done = subprocess.run(command, input=stdin, capture_output=True, env=full_env, timeout=300)
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    )


# A UTF-8 file that starts with a byte order mark, front matter included.
BOM_DOC = "\ufeff---\nid: bom-doc\ntitle: Byte Order Mark\nlanguage: en\n---\n\nCamels cross the Gobi in winter.\n"
# Front matter a Norwegian (or any) author writes naturally; YAML 1.1 reads `no` as false, `on` as true.
# An empty front matter block, as Jekyll and Hugo write it.
EMPTY_FRONT_DOC = "---\n---\n\nYaks live in the Altai mountains and give milk all year.\n"
# Text holding a terminal control sequence (OSC 52: "put 'pwned' on the clipboard"), from an untrusted file.
ESCAPE_DOC = (
    "---\nid: escape\ntitle: Falconry\n---\n\n"
    "Falcons hunt over the steppe in autumn.\x1b]52;c;cHduZWQ=\x07 Herders train them for years.\n"
)
YAML11_DOC = "---\nid: norsk\ntitle: Fjellvettreglene\noriginal_title: on\nlanguage: no\n---\n\nGå ikke lange turer uten trening.\n"


DOC_IDS = {"small-zh", "small-en", "bom-doc", "norsk", "jekyll", "escape"}


def no_traceback(result) -> bool:
    return "Traceback" not in result.stderr and "Traceback" not in result.stdout


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """One small index (built once, by `citebot reindex`) reused by the read-only tests."""
    root = tmp_path_factory.mktemp("audit")
    data = write_small_corpus(root / "data")
    (data / "bom.md").write_bytes(BOM_DOC.encode("utf-8"))
    (data / "norsk.md").write_text(YAML11_DOC, encoding="utf-8")
    (data / "jekyll.md").write_text(EMPTY_FRONT_DOC, encoding="utf-8")
    (data / "escape.md").write_text(ESCAPE_DOC, encoding="utf-8")
    environment = {
        "CITEBOT_DATA_DIR": str(data),
        "CITEBOT_INDEX_DIR": str(root / "index"),
        "CITEBOT_DB_PATH": str(root / "log.sqlite3"),
    }
    built = citebot("reindex", env=environment, timeout=900)
    assert built.returncode == 0, built.stderr
    return environment


def reindex_one(tmp_path: Path, name: str, content: bytes):
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / name).write_bytes(content)
    return citebot("reindex", env={"CITEBOT_DATA_DIR": str(data), "CITEBOT_INDEX_DIR": str(tmp_path / "index")})


# --- documents ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "front",
    [
        "title: " + "1" * 5000,  # an integer longer than Python's int-to-str limit: ValueError
        "title: " + "[" * 5000 + "]" * 5000,  # deep nesting (well under the 64 KB cap): RecursionError
    ],
    ids=["huge-integer", "deep-nesting"],
)
def test_front_matter_that_yaml_cannot_construct_is_a_one_line_error_naming_the_file(tmp_path, front):
    result = reindex_one(tmp_path, "bad.md", f"---\n{front}\n---\n\nBody text.\n".encode())
    assert no_traceback(result), result.stderr[-600:]
    assert result.returncode == 1 and "bad.md" in result.stderr


def test_a_bom_document_keeps_its_front_matter(env):
    sources = citebot("sources", env=env)
    assert sources.returncode == 0, sources.stderr
    assert "bom-doc: Byte Order Mark" in sources.stdout


def test_front_matter_text_is_kept_as_written_not_read_as_yaml_booleans(env):
    """`language: no` is Norwegian, not False; `original_title: on` is a word, not True."""
    sources = citebot("sources", env=env)
    line = next(line for line in sources.stdout.splitlines() if line.startswith("norsk:"))
    assert "[no]" in line and "(on)" in line, line


def test_an_empty_front_matter_block_is_not_read_as_text(env):
    sources = citebot("sources", env=env)
    line = next(line for line in sources.stdout.splitlines() if line.startswith("jekyll:"))
    assert line.startswith("jekyll: Yaks live in the Altai"), line
    asked = json.loads(citebot("ask", "--json", "Where do yaks live?", env=env).stdout)
    assert all("---" not in e["text"] for e in asked["excerpts"]), asked


def test_ask_does_not_send_terminal_control_sequences_from_a_document_to_the_terminal(env):
    """Documents are untrusted (README); an excerpt printed raw lets a file drive the admin's terminal."""
    asked = citebot("ask", "--doc", "escape", "Where do falcons hunt?", env=env)
    assert asked.returncode == 0 and "Falcons hunt over the steppe" in asked.stdout, asked.stdout
    assert "\x1b" not in asked.stdout and "\x07" not in asked.stdout, repr(asked.stdout)


@settings(max_examples=10, deadline=None)
@given(
    st.one_of(
        st.tuples(st.integers(1, 9999), st.integers(0, 99), st.integers(0, 99)).map(
            lambda t: "{:04d}-{:02d}-{:02d}".format(*t)
        ),
        st.tuples(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99)).map(
            lambda t: "2025-11-04 {:02d}:{:02d}:{:02d}".format(*t)
        ),
    )
)
def test_any_date_in_front_matter_builds_or_is_a_one_line_error(tmp_path_factory, date):
    result = reindex_one(tmp_path_factory.mktemp("date"), "dated.md", f"---\ndate: {date}\n---\n\nBody.\n".encode())
    assert no_traceback(result), f"date: {date}\n" + result.stderr[-300:]
    assert result.returncode == 0 or "dated.md" in result.stderr


def test_an_unlimited_document_size_is_accepted_or_refused_without_a_traceback(env):
    result = citebot("sources", env={**env, "CITEBOT_MAX_DOCUMENT_MB": "inf"})
    assert no_traceback(result), result.stderr[-300:]
    assert result.returncode == 0 or "CITEBOT_MAX_DOCUMENT_MB" in result.stderr


def test_a_paragraph_without_sentence_ends_is_not_quoted_whole(tmp_path):
    """Text without sentence punctuation (a transcript, a pasted list, Thai) was one sentence however
    long, so the direct answer and the excerpt were the whole 17 KB paragraph, and a 1 MB file (a
    fifth of the default size limit) kept the build embedding it for over 10 minutes."""
    words = ["yak", "camel", "steppe", "herder", "winter", "grass", "horse", "felt", "ger", "milk"]
    line = " ".join(words[(i * 7 + i // 10) % len(words)] for i in range(3000))
    data = tmp_path / "data"
    data.mkdir()
    (data / "long.md").write_text(f"---\nid: long\ntitle: Long line\n---\n\n{line}\n", encoding="utf-8")
    env = {"CITEBOT_DATA_DIR": str(data), "CITEBOT_INDEX_DIR": str(tmp_path / "index")}
    assert citebot("reindex", env=env, timeout=600).returncode == 0
    asked = json.loads(citebot("ask", "--json", "What do herders do in winter with camels?", env=env).stdout)
    assert asked["excerpts"], asked["status"]
    most = MAX_SENTENCE_CHARS * 3  # an excerpt merges at most three windows' sentences
    assert len(asked["answer"]) <= 2 * MAX_SENTENCE_CHARS and all(len(e["text"]) <= most for e in asked["excerpts"]), (
        len(asked["answer"]),
        [len(e["text"]) for e in asked["excerpts"]],
    )


# --- ask --------------------------------------------------------------------------------------------


def test_a_question_that_is_not_valid_utf8_is_refused_or_declined_without_a_traceback(env):
    # an argument with a byte that is not UTF-8 (a Latin-1 terminal, say) reaches Python as a
    # lone surrogate (surrogateescape); subprocess encodes it back to the raw byte 0xE9
    result = citebot("ask", "caf\udce9 in Ulaanbaatar?", env=env)
    assert no_traceback(result), result.stderr[-400:]
    assert result.returncode in (0, 1, 2)


def test_one_bad_line_in_a_json_batch_does_not_lose_the_other_answers(env):
    stdin = "蒙古和朝鲜是哪一年建交的?\n".encode() + b"caf\xe9?\n" + b"Sourdough bread?\n"  # line 2: Latin-1
    result = citebot_bytes_stdin("ask", "--json", env=env, stdin=stdin)
    assert no_traceback(result), result.stderr[-400:]
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["status"] == "answered" and len(rows) == 3


@pytest.mark.parametrize("separator", ["\x85", "\u2028", "\u2029", "\x0c", "\x1e"])
def test_ask_json_gives_one_row_per_input_line_even_with_unicode_line_separators(env, separator):
    """README: one JSON object per input line. str.splitlines() also splits on NEL, LS, PS, FF, RS."""
    stdin = f"蒙古和朝鲜{separator}是哪一年建交的?\nSourdough bread?\n"
    result = citebot("ask", "--json", env=env, stdin=stdin)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 2, [r["question"] for r in rows]


def test_an_empty_doc_filter_is_refused_like_an_unknown_one(env):
    """--doc nope is refused; --doc '' silently searches no document and declines every question."""
    plain = citebot("ask", "--json", "蒙古和朝鲜是哪一年建交的?", env=env)
    assert json.loads(plain.stdout)["status"] == "answered"
    empty = citebot("ask", "--json", "--doc", "", "蒙古和朝鲜是哪一年建交的?", env=env)
    refused = empty.returncode != 0 and "no document" in empty.stderr
    assert refused or json.loads(empty.stdout)["status"] == "answered", empty.stdout


@pytest.fixture(scope="module")
def article_env(tmp_path_factory):
    """The shipped article, as deployed."""
    index_dir = tmp_path_factory.mktemp("article-index")
    environment = {"CITEBOT_INDEX_DIR": str(index_dir), "CITEBOT_DATA_DIR": str(REPO / "data")}
    built = citebot("reindex", env=environment, timeout=900)
    assert built.returncode == 0, built.stderr
    return environment


def test_a_one_character_question_is_not_answered_firmly(article_env):
    """README: a firm answer needs the question to ask for a kind of fact and the answer to carry it;
    a single letter or digit asks for nothing, yet Cyrillic letters (firm threshold 0.0) and "1" get one."""
    asked = citebot("ask", "--json", env=article_env, stdin="Ж\nЫ\n1\n")
    rows = [json.loads(line) for line in asked.stdout.splitlines()]
    assert len(rows) == 3
    firm = {row["question"]: row["answer"][:40] for row in rows if row["status"] == "answered"}
    assert not firm, firm


# Odd questions: controls, emoji, RTL, bidi controls, punctuation only, huge. Characters that
# str.splitlines() treats as line breaks are left out (see the separator test above).
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
ODD = st.sampled_from(
    ["😀", "🇰🇵", "\u202e", "\u200b", "\u200d", "\x00", "\x1b[31m", "؟", "שלום", "مرحبا", "？！", "...", "#", "\t"]
)
QUESTION = st.lists(
    st.one_of(ODD, st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=LINE_BREAKS), max_size=30)),
    min_size=1,
    max_size=8,
).map("".join)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(questions=st.lists(QUESTION, min_size=1, max_size=5), long=st.booleans())
def test_ask_json_answers_any_line_with_a_valid_row(env, questions, long):
    if long:
        questions = [*questions, "为什么" * 20_000]  # 60,000 characters
    lines = [q for q in questions if q.strip()]
    result = citebot("ask", "--json", env=env, stdin="\n".join(questions) + "\n", timeout=300)
    if not lines:
        assert result.returncode == 2 and no_traceback(result)
        return
    assert result.returncode == 0 and no_traceback(result), result.stderr[-400:]
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in rows] == [q.strip() for q in lines]
    for row in rows:
        assert row["status"] in ("answered", "related", "declined")
        assert row["answered"] == (row["status"] == "answered")
        assert all(e["doc"] in DOC_IDS for e in row["excerpts"])


# --- eval and bench ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "[1, 2]",  # valid JSON, not an object: AttributeError in load_cases
        '"just a question"',
        '{"question": null}',  # accepted by load_cases, TypeError in search
        '{"question": 42}',
        '{"question": "x", "evidence": 5}',  # tuple(5): TypeError
        '{"question": "x", "evidence": [5]}',  # squash(5): TypeError in first_hit
    ],
)
def test_eval_names_the_line_of_a_malformed_question_row(env, tmp_path, line):
    questions = tmp_path / "q.jsonl"
    questions.write_text(line + "\n", encoding="utf-8")
    result = citebot("eval", str(questions), env=env)
    assert no_traceback(result), result.stderr[-400:]
    assert result.returncode == 1 and "q.jsonl:1" in result.stderr


def test_eval_with_languages_of_mixed_types_does_not_crash(env, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "x", "lang": 5}\n{"question": "y", "lang": "en"}\n', encoding="utf-8")
    result = citebot("eval", str(questions), env=env)
    assert no_traceback(result), result.stderr[-400:]


def test_eval_does_not_read_the_string_false_as_answerable(env, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "How do I fix a bicycle?", "answerable": "false"}\n', encoding="utf-8")
    result = citebot("eval", "--json", str(questions), env=env)
    if result.returncode == 1:  # refusing the row is fine too
        assert "q.jsonl:1" in result.stderr and no_traceback(result)
        return
    report = json.loads(result.stdout)
    assert report["off_topic"] == 1 and report["answerable"] == 0


def test_eval_counts_a_question_whose_language_is_called_all_once(env, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"question": "蒙古和朝鲜是哪一年建交的?", "lang": "all", "evidence": ["1948"]}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    report = json.loads(citebot("eval", "--json", str(questions), env=env).stdout)
    counts = report["outcomes"]["all"]["answerable"]
    assert sum(counts.values()) == report["questions"] == 1, counts


def test_eval_of_a_file_that_is_not_utf8_names_the_file(env, tmp_path):
    questions = tmp_path / "latin1.jsonl"
    questions.write_bytes(b'{"question": "caf\xe9?"}\n')
    result = citebot("eval", str(questions), env=env)
    assert result.returncode == 1 and no_traceback(result)
    assert "latin1.jsonl" in result.stderr, result.stderr


def test_bench_names_the_line_of_a_malformed_questions_file(tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "fine"}\nnot json\n', encoding="utf-8")
    env = {"CITEBOT_DATA_DIR": str(write_small_corpus(tmp_path / "data")), "CITEBOT_INDEX_DIR": str(tmp_path / "i")}
    result = citebot("bench", str(questions), env=env, timeout=120)
    assert no_traceback(result), result.stderr[-400:]
    assert result.returncode == 1 and "q.jsonl:2" in result.stderr


# --- import -----------------------------------------------------------------------------------------


@pytest.fixture
def import_env(tmp_path):
    return {"CITEBOT_DATA_DIR": str(tmp_path / "data"), "CITEBOT_INDEX_DIR": str(tmp_path / "index")}


def test_import_of_a_page_that_is_not_utf8_is_a_clear_error(tmp_path, import_env):
    page = tmp_path / "page.txt"
    page.write_bytes("Ulaanbaatar café, a long sentence about it.\n".encode("latin-1"))
    result = citebot("import", str(page), "--id", "cafe", "--title", "Café", env=import_env)
    assert no_traceback(result), result.stderr[-400:]
    assert result.returncode == 1 and "page.txt" in result.stderr


@pytest.mark.parametrize("where", ["data-dir-is-a-file", "target-is-a-folder"])
def test_import_that_cannot_write_its_file_is_a_clear_error(tmp_path, import_env, where):
    page = tmp_path / "page.txt"
    page.write_text("A sentence of the article.\n", encoding="utf-8")
    if where == "data-dir-is-a-file":
        (tmp_path / "data").write_text("not a folder", encoding="utf-8")
    else:
        (tmp_path / "data" / "x.md").mkdir(parents=True)
    result = citebot("import", str(page), "--id", "x", "--title", "X", "--force", env=import_env)
    assert no_traceback(result), result.stderr[-400:]
    assert result.returncode == 1 and "data" in result.stderr


@pytest.mark.parametrize(
    "page, options",
    [
        ("A sentence of the article, long enough to be a paragraph.\n", ["--title", "T" * 301]),
        ("A sentence of the article, long enough to be a paragraph.\n", ["--title", "T", "--source", "s" * 2001]),
        ("2025-11-04\n\n", ["--title", "Only chrome"]),  # nothing left after cleaning: "no text"
        ("", ["--title", "Empty"]),
    ],
    ids=["title-over-300", "source-over-2000", "only-chrome", "empty-page"],
)
def test_import_does_not_write_a_document_that_breaks_every_later_reindex(tmp_path, import_env, page, options):
    raw = tmp_path / "page.txt"
    raw.write_text(page, encoding="utf-8")
    write_small_corpus(tmp_path / "data")
    imported = citebot("import", str(raw), "--id", "imported", *options, env=import_env)
    if imported.returncode != 0:  # refused at import: good, if it says why and wrote nothing
        assert no_traceback(imported) and not (tmp_path / "data" / "imported.md").exists()
        return
    rebuilt = citebot("reindex", env=import_env, timeout=900)
    assert rebuilt.returncode == 0, f"import wrote a document the build refuses: {rebuilt.stderr.strip()[-300:]}"


def test_import_keeps_article_sentences_that_mention_comments(tmp_path, import_env):
    page = tmp_path / "page.txt"
    page.write_text(
        "The minister declined to comment on the report, officials said on Tuesday.\n"
        "政府对这篇评论文章作出回应,称其内容失实。\n"
        "Herders move their camels every winter.\n",
        encoding="utf-8",
    )
    result = citebot("import", str(page), "--id", "report", "--title", "Report", env=import_env)
    assert result.returncode == 0, result.stderr
    document = (tmp_path / "data" / "report.md").read_text(encoding="utf-8")
    assert "Herders move their camels" in document
    assert "declined to comment" in document and "评论文章" in document, document


# --- the index directory ----------------------------------------------------------------------------


def test_reindex_with_a_stray_dangling_link_in_generations_still_succeeds_and_prunes(tmp_path):
    env = {"CITEBOT_DATA_DIR": str(write_small_corpus(tmp_path / "data")), "CITEBOT_INDEX_DIR": str(tmp_path / "i")}
    assert citebot("reindex", env=env, timeout=900).returncode == 0
    generations = tmp_path / "i" / "generations"
    os.symlink(tmp_path / "gone", generations / "stray")  # e.g. a generation moved away by hand
    for _ in range(2):
        result = citebot("reindex", env=env, timeout=900)
        assert no_traceback(result), result.stderr[-400:]
        assert result.returncode == 0
    real = [entry for entry in generations.iterdir() if not entry.is_symlink()]
    assert len(real) <= 2, sorted(e.name for e in real)  # the live one and the one before it
