"""How long a second user waits for an answer while one user floods the bot, against an idle bot.

Runs the real Application over HTTP against the Bot API stand-in, on the real documents:

    .venv/bin/python -m tests.flood_bench [--trials 10] [--questions ../shared/eval/questions.jsonl]

Each flood is a fresh user sending 50 questions in 2 seconds; the second user asks one question a
second into it. Latency is from the update being available to getUpdates to the answer reaching
sendMessage. A speed figure, not a test: it prints numbers and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import tempfile
import time
from pathlib import Path

from citebot.bot.application import build_application, running
from citebot.bot.store import QuestionLog
from citebot.index.library import Library
from citebot.settings import Settings
from tests.botapi_stub import BotApiStub, Chat, User

REPO = Path(__file__).resolve().parent.parent
FLOOD_SIZE = 50
FLOOD_SECONDS = 2.0
POLL = 0.002


def load_questions(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


async def answered_after(stub: BotApiStub, user: User, question: str, timeout: float = 60) -> float:
    """Seconds from pushing the question to the bot's reply reaching sendMessage."""
    before = len(stub.sent_to(user.id))
    started = time.perf_counter()
    stub.push_text(Chat.private(user), user, question)
    deadline = started + timeout
    while len(stub.sent_to(user.id)) <= before:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no answer to {question!r} within {timeout}s")
        await asyncio.sleep(POLL)
    return time.perf_counter() - started


async def flood(stub: BotApiStub, user: User, questions: list[str]) -> None:
    for question in itertools.islice(itertools.cycle(questions), FLOOD_SIZE):
        stub.push_text(Chat.private(user), user, question)
        await asyncio.sleep(FLOOD_SECONDS / FLOOD_SIZE)


def describe(name: str, seconds: list[float]) -> str:
    ms = sorted(1000 * s for s in seconds)
    p95 = ms[max(0, round(0.95 * len(ms)) - 1)]
    return f"{name}: n={len(ms)} median {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, max {ms[-1]:.0f} ms"


async def measure(trials: int, questions: list[str], rate_limit: int) -> tuple[list[float], list[float]]:
    work = Path(tempfile.mkdtemp(prefix="citebot-flood-"))
    library = await asyncio.to_thread(Library.open, REPO / "data", work / "index")
    # A fresh second user for each question, so that their own limit never refuses them.
    seconds = (User(id=900_000 + n, first_name=f"Second{n}", language_code="en") for n in itertools.count())
    with BotApiStub() as stub:
        settings = Settings(
            _env_file=None,
            TELEGRAM_BOT_TOKEN=stub.token,
            TELEGRAM_API_BASE_URL=stub.base_url,
            CITEBOT_DB_PATH=work / "questions.sqlite3",
            CITEBOT_USER_RATE_LIMIT=str(rate_limit),
        )
        async with (
            QuestionLog(settings.db_path) as store,
            running(build_application(settings, library, store), poll_timeout=1),
        ):
            await answered_after(stub, next(seconds), questions[0])  # warm-up
            idle = [await answered_after(stub, next(seconds), q) for q in questions[1 : trials + 1]]
            during = []
            for trial in range(trials):
                flooder = User(id=800_000 + trial, first_name=f"Flood{trial}", language_code="en")
                flooding = asyncio.create_task(flood(stub, flooder, questions))
                await asyncio.sleep(FLOOD_SECONDS / 2)
                during.append(await answered_after(stub, next(seconds), questions[1 + trial % (len(questions) - 1)]))
                await flooding
                await asyncio.sleep(3)  # let the flooder's admitted questions drain before the next trial
    return idle, during


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--questions", type=Path, default=REPO.parent / "shared" / "eval" / "questions.jsonl")
    parser.add_argument("--rate-limit", type=int, default=10, help="CITEBOT_USER_RATE_LIMIT (0: no limit)")
    args = parser.parse_args()
    idle, during = asyncio.run(measure(args.trials, load_questions(args.questions), args.rate_limit))
    print(describe("idle bot", idle))
    print(describe(f"during a flood of {FLOOD_SIZE} in {FLOOD_SECONDS:g} s", during))
    print(f"median ratio {statistics.median(during) / statistics.median(idle):.2f}")


if __name__ == "__main__":
    main()
