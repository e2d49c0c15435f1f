"""Secrets never leave: the bot token stays out of every line `citebot run` writes, whatever goes wrong."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.botapi_stub import BotApiStub
from tests.support import write_small_corpus

CITEBOT = str(Path(sys.executable).parent / "citebot")


def run_env(stub: BotApiStub, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITEBOT_", "TELEGRAM_"))}
    env.update(
        {
            "TELEGRAM_API_BASE_URL": stub.base_url,
            "CITEBOT_DATA_DIR": str(write_small_corpus(tmp_path / "data")),
            "CITEBOT_INDEX_DIR": str(tmp_path / "index"),
            "CITEBOT_DB_PATH": str(tmp_path / "questions.sqlite3"),
            **extra,
        }
    )
    return env


def test_a_rejected_token_is_one_line_without_the_token_and_exits_quickly(tmp_path):
    rejected = "987654321:AAE-this-token-was-revoked-xyz"
    with BotApiStub() as stub:
        started = time.monotonic()
        result = subprocess.run(
            [CITEBOT, "run"],
            env=run_env(stub, tmp_path, TELEGRAM_BOT_TOKEN=rejected),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "rejected the bot token" in output
    problems = [line for line in output.splitlines() if any(w in line for w in ("Error:", "ERROR", "WARNING"))]
    assert len(problems) == 1 and "Traceback" not in output, output
    assert rejected not in output and "this-token-was-revoked" not in output
    assert not (tmp_path / "index").exists()  # found out before building anything
    assert elapsed < 20


def test_the_token_is_read_from_a_credentials_file(tmp_path):
    with BotApiStub() as stub:
        token_file = tmp_path / "telegram-token"
        token_file.write_text(stub.token + "\n", encoding="utf-8")
        stub.fail_next("getMe", 401)  # the first check fails as if the token were wrong…
        result = subprocess.run(
            [CITEBOT, "run"],
            env=run_env(stub, tmp_path, TELEGRAM_BOT_TOKEN_FILE=str(token_file)),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    # …so the file's token was the one sent: the stub only answers 401 to the right one by injection.
    assert result.returncode == 1 and "rejected the bot token" in result.stderr
    assert stub.calls_to("getMe") and stub.token not in result.stderr


def test_the_redaction_filter_covers_message_arguments_and_tracebacks():
    import io
    import logging

    from citebot.redaction import RedactSecrets

    token = "123456:secret-part-of-the-token"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets([token]))
    log = logging.getLogger("test.redaction")
    log.addHandler(handler)
    try:
        log.warning("calling https://api.telegram.org/bot%s/getMe", token)
        try:
            raise RuntimeError(f"The token `{token}` was rejected")
        except RuntimeError:
            log.exception("failed with %r", {"url": f"/bot{token.replace(':', '%3A')}"})
        log.warning("only the key: secret-part-of-the-token")
    finally:
        log.removeHandler(handler)
    written = stream.getvalue()
    assert "secret-part" not in written and "[REDACTED]" in written and "RuntimeError" in written
