"""`citebot run` as a user starts it: first start builds the index, answers over the Bot API, stops on SIGTERM."""

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bot_support import ALICE
from tests.botapi_stub import BotApiStub, Chat
from tests.support import write_small_corpus


async def test_run_builds_the_index_answers_and_stops_cleanly(tmp_path):
    with BotApiStub() as stub:
        env = run_env(stub, tmp_path)
        process = start_run(env, tmp_path)
        try:
            stub.push_text(Chat.private(ALICE), ALICE, "平壤为什么召回驻蒙古大使?")
            [reply] = await stub.wait_for_messages(1, timeout=180)
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = await asyncio.to_thread(process.communicate, timeout=60)
    assert "召回驻蒙古大使" in reply.plain_text and reply.blockquotes
    assert process.returncode == 0, output
    assert (tmp_path / "index" / "current" / "manifest.json").exists()
    assert (tmp_path / "questions.sqlite3").exists()
    assert stub.rejected == []


async def test_run_answers_from_the_index_that_citebot_reindex_built(tmp_path):
    with BotApiStub() as stub:
        env = run_env(stub, tmp_path)
        command = str(Path(sys.executable).parent / "citebot")
        subprocess.run([command, "reindex"], env=env, cwd=tmp_path, check=True, capture_output=True, timeout=300)
        built = os.readlink(tmp_path / "index" / "current")
        process = subprocess.Popen([command, "run"], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
        try:
            stub.push_text(Chat.private(ALICE), ALICE, "平壤为什么召回驻蒙古大使?")
            await stub.wait_for_messages(1, timeout=180)
        finally:
            process.send_signal(signal.SIGTERM)
            _, errors = await asyncio.to_thread(process.communicate, timeout=60)
    assert os.readlink(tmp_path / "index" / "current") == built, errors  # not rebuilt at start-up
    assert "rebuilding" not in errors


# -- faults at start-up and shutdown (safety-bot) -------------------------------------------------


def start_run(env: dict[str, str], cwd: Path) -> subprocess.Popen:
    """`citebot run` as a service manager starts it, its output (stdout and stderr) in one pipe."""
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "citebot"), "run"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_env(stub: BotApiStub, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITEBOT_", "TELEGRAM_"))}
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": stub.token,
            "TELEGRAM_API_BASE_URL": stub.base_url,
            "CITEBOT_DATA_DIR": str(write_small_corpus(tmp_path / "data")),
            "CITEBOT_INDEX_DIR": str(tmp_path / "index"),
            "CITEBOT_DB_PATH": str(tmp_path / "questions.sqlite3"),
            **extra,
        }
    )
    return env


@pytest.mark.parametrize("damage", ["corrupt", "not-a-directory"])
def test_an_unopenable_question_log_stops_run_and_stats_with_the_reason(tmp_path, damage):
    if damage == "corrupt":
        db_path = tmp_path / "questions.sqlite3"
        db_path.write_bytes(os.urandom(8192))
    else:
        (tmp_path / "afile").write_text("x")
        db_path = tmp_path / "afile" / "questions.sqlite3"
    with BotApiStub() as stub:
        env = run_env(stub, tmp_path, CITEBOT_DB_PATH=str(db_path))
        command = str(Path(sys.executable).parent / "citebot")
        for args in (["run"], ["stats"]):
            result = subprocess.run([command, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
            assert result.returncode == 1, result.stderr
            assert f"question log {db_path}" in result.stderr or "no question log" in result.stderr
            assert "Traceback" not in result.stderr
    assert not (tmp_path / "index").exists()  # found out before building the index
