"""Secrets never reach the logs: a filter that blanks them out of every record a handler writes."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Iterable
from types import TracebackType
from urllib.parse import quote

REDACTED = "[REDACTED]"


class RedactSecrets(logging.Filter):
    """Replaces each secret (and its URL-quoted form) in a record's message, arguments and traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        variants = set()
        for secret in secrets:
            if secret:
                variants |= {secret, quote(secret, safe="")}
                # A bot token's secret half is as good as the whole token.
                _, _, key = secret.partition(":")
                if len(key) >= 8:
                    variants.add(key)
        self.secrets = sorted(variants, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
            record.exc_info = None  # the formatter would otherwise render it again, unredacted
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install(*secrets: str | None) -> RedactSecrets:
    """Redacts `secrets` from everything the root logger's handlers write, and from uncaught tracebacks."""
    redactor = RedactSecrets(s for s in secrets if s)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)

    def print_redacted(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        sys.stderr.write(redactor.redact("".join(traceback.format_exception(kind, error, tb))))

    def print_redacted_thread(args: threading.ExceptHookArgs) -> None:
        print_redacted(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)

    sys.excepthook = print_redacted
    threading.excepthook = print_redacted_thread
    return redactor
