"""Small manners of the `citebot` command: options after the subcommand, build progress, health."""

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import citebot, write_small_corpus


@pytest.fixture
def small_env(tmp_path):
    data = write_small_corpus(tmp_path / "data")
    return {
        "CITEBOT_DATA_DIR": str(data),
        "CITEBOT_INDEX_DIR": str(tmp_path / "index"),
        "CITEBOT_DB_PATH": str(tmp_path / "log.sqlite3"),
    }


def test_reindex_reports_each_stage_when_not_on_a_terminal_and_health_follows_the_index(small_env):
    unhealthy = citebot("health", env=small_env, timeout=600)
    assert unhealthy.returncode == 1 and "index not usable" in unhealthy.stderr
    built = citebot("reindex", env=small_env, timeout=900)
    assert built.returncode == 0, built.stderr
    stages = [line.split(":")[1].split("(")[0].strip() for line in built.stderr.splitlines() if "index build" in line]
    assert stages == ["reading", "embedding", "swapping"]
    healthy = citebot("health", env=small_env, timeout=600)
    assert healthy.returncode == 0, healthy.stderr
    assert healthy.stdout.startswith("ok: index ")


def test_verbose_works_after_the_subcommand_too(small_env):
    after = citebot("sources", "-v", env=small_env, timeout=900)
    assert after.returncode == 0, after.stderr
    assert "small-zh" in after.stdout and "INFO" in after.stderr
    assert "faiss.loader" not in after.stderr


@pytest.mark.parametrize("command", ["reindex", "ask"])
def test_an_index_folder_that_cannot_be_made_is_named_in_one_line(small_env, tmp_path, command):
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    env = {**small_env, "CITEBOT_INDEX_DIR": str(tmp_path / "a-file" / "index")}
    result = citebot(command, *(["Why did North Korea recall its ambassador?"] if command == "ask" else []), env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"cannot write a new index in {tmp_path / 'a-file' / 'index'}: Not a directory" in result.stderr


def test_an_empty_data_folder_names_every_accepted_file_type(tmp_path):
    (tmp_path / "empty").mkdir()
    result = citebot(
        "reindex", env={"CITEBOT_DATA_DIR": str(tmp_path / "empty"), "CITEBOT_INDEX_DIR": str(tmp_path / "i")}
    )
    assert result.returncode == 1
    assert all(kind in result.stderr for kind in ("*.md", "*.markdown", "*.txt", "*.html", "*.htm"))


def test_ask_on_a_terminal_without_a_question_shows_how_to_ask_instead_of_waiting(small_env, tmp_path):
    controller, terminal = pty.openpty()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CITEBOT_")}, **small_env}
    try:
        result = subprocess.run(
            [str(Path(sys.executable).parent / "citebot"), "ask"],
            stdin=terminal,
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,  # waiting for input that never comes would end here, failing the test
        )
    finally:
        os.close(controller)
        os.close(terminal)
    assert result.returncode == 2
    assert "Usage: citebot ask" in result.stdout
    assert not (tmp_path / "index").exists()  # nothing built for a question never asked


def test_chinese_answers_do_not_depend_on_the_state_of_jiebas_dictionary_cache(small_env, tmp_path):
    """jieba's cached dictionary is read by citebot itself (faster than jieba does); a missing,
    valid or damaged cache must all give the same answer."""
    question = "平壤为什么召回大使?"

    def ask(tmpdir: Path) -> dict:
        tmpdir.mkdir(exist_ok=True)
        asked = citebot("ask", "--json", question, env={**small_env, "TMPDIR": str(tmpdir)}, timeout=900)
        assert asked.returncode == 0, asked.stderr
        return json.loads(asked.stdout)

    fresh = tmp_path / "fresh"
    first = ask(fresh)
    assert first["status"] == "answered" and "召回驻蒙古大使" in first["answer"]
    assert (fresh / "jieba.cache").stat().st_size > 1_000_000
    assert ask(fresh) == first
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "jieba.cache").write_bytes((fresh / "jieba.cache").read_bytes()[:5000])
    assert ask(damaged) == first
