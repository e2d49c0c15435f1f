import pytest
from pydantic import ValidationError

from citebot.settings import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_API_BASE_URL",
        "ADMIN_USER_IDS",
        "CITEBOT_DATA_DIR",
        "CITEBOT_INDEX_DIR",
        "CITEBOT_DB_PATH",
        "CITEBOT_EMBEDDING_BACKEND",
        "CITEBOT_EMBEDDING_MODEL",
    ):
        monkeypatch.delenv(name, raising=False)


def test_dotenv_in_the_working_directory_is_read(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(
        "TELEGRAM_BOT_TOKEN=123:abc\nADMIN_USER_IDS=7, 42\nCITEBOT_INDEX_DIR=/srv/index\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.telegram_bot_token == "123:abc"
    assert settings.admin_user_ids == frozenset({7, 42})
    assert str(settings.index_dir) == "/srv/index"


def test_environment_overrides_dotenv_and_defaults_live_in_the_repo(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=from-file\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "from-env")
    settings = Settings()
    assert settings.telegram_bot_token == "from-env"
    assert settings.admin_user_ids == frozenset()
    assert settings.data_dir.name == "data" and settings.index_dir.parts[-2:] == ("var", "index")


def test_admin_ids_must_be_numbers(monkeypatch):
    monkeypatch.setenv("ADMIN_USER_IDS", "12,alice")
    with pytest.raises(ValidationError, match="ADMIN_USER_IDS"):
        Settings(_env_file=None)
