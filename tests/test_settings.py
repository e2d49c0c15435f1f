import pytest
from pydantic import ValidationError

from citebot.settings import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_BOT_TOKEN_FILE",
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


# -- the token from a file (safety-bot) -----------------------------------------------------------


def test_the_token_can_come_from_a_credentials_file(tmp_path, monkeypatch):
    token_file = tmp_path / "telegram-token"
    token_file.write_text("123:from-a-file\n", encoding="utf-8")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN_FILE", str(token_file))
    settings = Settings(_env_file=None)
    assert settings.telegram_bot_token == "123:from-a-file"
    assert "from-a-file" not in repr(settings)


@pytest.mark.parametrize("content, problem", [(None, "cannot be read"), ("  \n", "is empty")])
def test_an_unreadable_or_empty_token_file_is_named(tmp_path, monkeypatch, content, problem):
    token_file = tmp_path / "telegram-token"
    if content is not None:
        token_file.write_text(content, encoding="utf-8")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN_FILE", str(token_file))
    with pytest.raises(ValidationError, match=f"{token_file}.*{problem}"):
        Settings(_env_file=None)


def test_a_token_and_a_token_file_together_are_refused(tmp_path, monkeypatch):
    (tmp_path / "t").write_text("1:a", encoding="utf-8")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:b")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN_FILE", str(tmp_path / "t"))
    with pytest.raises(ValidationError, match="not both"):
        Settings(_env_file=None)
