"""Bot-side fixtures: a small real Library, the Bot API stand-in, and the running Application."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from telegram.ext import Application

from citebot.bot.application import build_application, running
from citebot.bot.store import QuestionLog
from citebot.index.library import Library
from citebot.settings import Settings
from tests.bot_support import ADMIN, MONGOLIA_DOC, gobi_doc
from tests.botapi_stub import BotApiStub, Chat


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("data")
    (directory / "mongolia.md").write_text(MONGOLIA_DOC, encoding="utf-8")
    (directory / "gobi.md").write_text(gobi_doc(), encoding="utf-8")
    return directory


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def library(data_dir: Path, index_dir: Path) -> Library:
    return Library.open(data_dir, index_dir)


@pytest.fixture
def own_data(tmp_path: Path, data_dir: Path, index_dir: Path, library: Library) -> Path:
    """A copy of the test collection and its index, so adding and removing stays in this test."""
    shutil.copytree(data_dir, tmp_path / "data")
    shutil.copytree(index_dir, tmp_path / "index", symlinks=True)
    return tmp_path / "data"


@pytest.fixture
def stub() -> Iterator[BotApiStub]:
    with BotApiStub() as server:
        server.add_chat(Chat.private(ADMIN))
        yield server


@pytest.fixture
def settings(stub: BotApiStub, data_dir: Path, index_dir: Path, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        TELEGRAM_BOT_TOKEN=stub.token,
        TELEGRAM_API_BASE_URL=stub.base_url,
        ADMIN_USER_IDS=str(ADMIN.id),
        CITEBOT_DATA_DIR=data_dir,
        CITEBOT_INDEX_DIR=index_dir,
        CITEBOT_DB_PATH=tmp_path / "var" / "questions.sqlite3",
    )


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[QuestionLog]:
    async with QuestionLog(settings.db_path) as log:
        yield log


@pytest.fixture
async def bot(settings: Settings, library: Library, store: QuestionLog) -> AsyncIterator[Application]:
    async with running(build_application(settings, library, store), poll_timeout=2) as application:
        yield application
