"""SIGTERM while an admin's /reindex is running and a question is being answered: the question is
answered, the rebuild is abandoned with the old index live, and the bot exits within 10 s (the
stop timeout of Docker, and well inside systemd's)."""

import asyncio
import os
import signal
import sqlite3
import time
from pathlib import Path

from tests.bot_support import ADMIN, BOB
from tests.botapi_stub import BotApiStub, Chat
from tests.test_cli_run import run_env, start_run

STOP_BOUND_SECONDS = 10.0


def write_long_document(data_dir: Path, paragraphs: int = 400) -> None:
    """Enough new text that embedding it takes far longer than the stop bound."""
    text = "\n\n".join(
        f"Report {n}: the delegation visited district {n} and discussed heating plant number {n * 7}. "
        f"Officials said the {n}th survey of winter pastures would finish before spring."
        for n in range(paragraphs)
    )
    (data_dir / "long-report.md").write_text(f"---\ntitle: Long report\n---\n\n{text}\n", encoding="utf-8")


def generations(index_dir: Path) -> set[str]:
    return {entry.name for entry in (index_dir / "generations").iterdir()}


def bob_actions(stub: BotApiStub) -> list:
    return [action for action in stub.chat_actions if action[0] == BOB.id]


async def wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_sigterm_abandons_a_rebuild_answers_the_question_in_flight_and_exits_in_time(tmp_path):
    with BotApiStub() as stub:
        # "typing…" at once: the sign that the question is being answered
        env = run_env(stub, tmp_path, ADMIN_USER_IDS=str(ADMIN.id), CITEBOT_TYPING_AFTER_SECONDS="0")
        process = start_run(env, tmp_path)
        try:
            stub.push_text(Chat.private(BOB), BOB, "Why did North Korea recall its ambassador?")
            await stub.wait_for_messages(1, timeout=180)  # polling, with an index
            index_dir = tmp_path / "index"
            live = os.readlink(index_dir / "current")
            before = generations(index_dir)

            write_long_document(Path(env["CITEBOT_DATA_DIR"]))
            stub.push_text(Chat.private(ADMIN), ADMIN, "/reindex")
            await wait_until(lambda: any("/" in edit.plain_text for edit in stub.edits), timeout=120)  # embedding n/N

            stub.push_text(Chat.private(BOB), BOB, "Who reported on the ambassador?")
            await wait_until(lambda: len(bob_actions(stub)) >= 2, timeout=30)  # being answered
            stopped_at = time.monotonic()
            process.send_signal(signal.SIGTERM)
            output, _ = await asyncio.to_thread(process.communicate, timeout=60)
            took = time.monotonic() - stopped_at
        finally:
            if process.poll() is None:
                process.kill()
    assert took < STOP_BOUND_SECONDS, f"stopped in {took:.1f} s\n{output}"
    assert process.returncode == 0, output
    assert len([m for m in stub.sent if m.chat_id == BOB.id]) == 2, output  # the question in flight was answered
    progress = [edit.plain_text for edit in stub.edits if edit.chat_id == ADMIN.id]
    assert "rebuild was stopped" in progress[-1]
    assert os.readlink(index_dir / "current") == live  # the old index is still the live one
    assert generations(index_dir) == before  # nothing half-built left behind
    assert "Traceback" not in output


async def test_sigterm_with_telegram_hanging_on_a_reply_still_exits_in_time_and_logs_the_question(tmp_path):
    with BotApiStub() as stub:
        env = run_env(stub, tmp_path, CITEBOT_TYPING_AFTER_SECONDS="0")
        process = start_run(env, tmp_path)
        try:
            stub.push_text(Chat.private(BOB), BOB, "Why did North Korea recall its ambassador?")
            await stub.wait_for_messages(1, timeout=180)
            stub.slow_next("sendMessage", 20, times=None)  # Telegram takes the reply but never answers in time
            stub.push_text(Chat.private(BOB), BOB, "Who reported on the ambassador?")
            await wait_until(lambda: len(bob_actions(stub)) >= 2, timeout=60)
            await asyncio.sleep(1.0)  # the reply is on its way
            stopped_at = time.monotonic()
            process.send_signal(signal.SIGTERM)
            output, _ = await asyncio.to_thread(process.communicate, timeout=60)
            took = time.monotonic() - stopped_at
        finally:
            if process.poll() is None:
                process.kill()
    assert took < STOP_BOUND_SECONDS, f"stopped in {took:.1f} s\n{output}"
    assert process.returncode == 0, output
    with sqlite3.connect(tmp_path / "questions.sqlite3") as db:
        questions = [row[0] for row in db.execute("SELECT question FROM questions ORDER BY id")]
    assert questions == ["Why did North Korea recall its ambassador?", "Who reported on the ambassador?"]
