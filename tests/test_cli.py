"""The `citebot` command, run as a user runs it."""

import json

import pytest

from tests.support import REPO, citebot, write_small_corpus


@pytest.fixture(scope="module")
def article_env(tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("cli-index")
    env = {"CITEBOT_INDEX_DIR": str(index_dir), "CITEBOT_DATA_DIR": str(REPO / "data")}
    built = citebot("reindex", env=env)
    assert built.returncode == 0, built.stderr
    assert "indexed 1 document(s)" in built.stdout
    return env


def test_run_without_token_explains_how_to_get_one(tmp_path):
    result = citebot("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "@BotFather" in result.stderr
    assert "citebot ask" in result.stderr


def test_ask_prints_answer_with_cited_excerpts(article_env):
    result = citebot("ask", "Why did North Korea recall its ambassador?", env=article_env)
    assert result.returncode == 0, result.stderr
    assert "召回驻蒙古大使" in result.stdout
    assert "(The Diplomat, 2025-11-04) — § 叛逃者危机, ¶ 12" in result.stdout


def test_ask_json_reads_stdin_one_question_a_line(article_env):
    stdin = "蒙古和朝鲜是哪一年建交的?\nHow do I bake sourdough bread at home?\n\n"
    result = citebot("ask", "--json", env=article_env, stdin=stdin)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in rows] == ["蒙古和朝鲜是哪一年建交的?", "How do I bake sourdough bread at home?"]
    answered, declined = rows
    assert answered["answered"] and answered["status"] == "answered" and "1948" in answered["answer"]
    assert set(answered["excerpts"][0]) == {"text", "doc", "byline", "section", "paragraph", "score"}
    assert answered["excerpts"][0]["doc"] == "mongolia-defector-dilemma"
    assert answered["excerpts"][0]["byline"] == "The Diplomat, 2025-11-04"
    assert declined == {
        "question": "How do I bake sourdough bread at home?",
        "status": "declined",
        "answered": False,
        "answer": "",
        "excerpts": [],
    }


def test_eval_reports_figures_by_language_and_json(article_env, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        "\n".join(
            json.dumps(row, ensure_ascii=False)
            for row in [
                {
                    "id": "a",
                    "lang": "zh",
                    "question": "蒙古和朝鲜是哪一年建交的?",
                    "answerable": True,
                    "evidence": ["两国于1948年建交"],
                },
                {
                    "id": "b",
                    "lang": "en",
                    "question": "What is the capital of France?",
                    "answerable": False,
                    "evidence": [],
                },
                {
                    "id": "c",
                    "lang": "en",
                    "kind": "near",
                    "question": "What was the name of the interpreter who defected?",
                    "answerable": False,
                    "evidence": [],
                },
            ]
        ),
        encoding="utf-8",
    )
    text = citebot("eval", str(questions), env=article_env)
    assert text.returncode == 0, text.stderr
    assert "hit@3 1.000" in text.stdout and "zh  n=1" in text.stdout
    assert "zh   answerable 1/0/0" in text.stdout and "en   near 0/1/0   far 0/0/1" in text.stdout
    assert "firm answers whose direct answer quotes the evidence: 1/1" in text.stdout
    report = json.loads(citebot("eval", "--json", str(questions), env=article_env).stdout)
    assert report["hit@1"] == 1.0 and report["off_topic_answered"] == 0
    assert report["answer_holds_evidence"] == report["answerable_firm"] == 1
    assert report["by_language"]["zh"]["n"] == 1 and report["tradeoff"]
    assert report["outcomes"]["all"] == {
        "answerable": {"answered": 1, "related": 0, "declined": 0},
        "near": {"answered": 0, "related": 1, "declined": 0},
        "far": {"answered": 0, "related": 0, "declined": 1},
    }


def test_ask_limited_to_a_document_and_unknown_document(tmp_path):
    env = {"CITEBOT_INDEX_DIR": str(tmp_path / "index"), "CITEBOT_DATA_DIR": str(write_small_corpus(tmp_path / "data"))}
    sources = citebot("sources", env=env)
    assert (
        "small-en: Bread Basics" in sources.stdout and "small-zh: 小测试文章 (A Small Test Article)" in sources.stdout
    )
    unknown = citebot("ask", "--doc", "nope", "anything", env=env)
    assert unknown.returncode == 1 and "no document 'nope'" in unknown.stderr


def test_bad_admin_ids_and_empty_data_dir_are_reported(tmp_path):
    bad = citebot("sources", env={"ADMIN_USER_IDS": "alice", "CITEBOT_INDEX_DIR": str(tmp_path / "i")})
    assert bad.returncode == 1 and "ADMIN_USER_IDS" in bad.stderr
    (tmp_path / "empty").mkdir()
    empty = citebot(
        "reindex", env={"CITEBOT_DATA_DIR": str(tmp_path / "empty"), "CITEBOT_INDEX_DIR": str(tmp_path / "i")}
    )
    assert empty.returncode == 1 and "no documents" in empty.stderr


def test_import_cleans_a_scraped_page_into_a_document_that_reindex_picks_up(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(
        "2025 оны 11-р сарын 20\n\n蒙古与朝鲜于 1948 年建交。\n结论\n这是一个测试段落。\n"
        "Нийтлэлч\nХүндэтгэлтэй, соёлтой хэлж бичихийг хүсье. Сэтгэгдлийг нийтлэлийг уншигчид шууд харна.\n",
        encoding="utf-8",
    )
    env = {"CITEBOT_DATA_DIR": str(tmp_path / "data"), "CITEBOT_INDEX_DIR": str(tmp_path / "index")}
    imported = citebot(
        "import", str(page), "--id", "test-page", "--title", "测试", "--date", "2025-11-04", "--language", "zh", env=env
    )
    assert imported.returncode == 0, imported.stderr
    document = (tmp_path / "data" / "test-page.md").read_text(encoding="utf-8")
    assert document.startswith("---\nid: test-page\ntitle: 测试\n")
    assert "## 结论" in document and "оны" not in document and "Сэтгэгдл" not in document
    sources = citebot("sources", env=env)
    assert "test-page: 测试" in sources.stdout
