"""How an index build shows its progress: a bar on a terminal, one log line per stage otherwise.

Builds report progress(stage, done, total) (see citebot.index.storage.build): "reading" the
documents, "embedding" the chunks (done of total), "swapping" in the new generation.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from tqdm import tqdm

log = logging.getLogger("citebot.index.build")


class StageLog:
    """One INFO log line as each stage begins (the bot's log)."""

    def __init__(self) -> None:
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage:
            self._stage = stage
            log.info("index build: %s%s", stage, f" ({total})" if total else "")


class TerminalProgress:
    """A tqdm bar for stages that count (embedding) on a terminal; one line per stage on other streams."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty()
        self._bar: tqdm | None = None
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        new_stage = stage != self._stage
        if new_stage:
            self.close()
            self._stage = stage
        if not self.interactive:
            if new_stage:
                print(f"index build: {stage}{f' ({total})' if total else ''}", file=self.stream, flush=True)
            return
        from tqdm import tqdm

        if new_stage:
            self._bar = tqdm(total=total or None, desc=f"index build: {stage}", file=self.stream, leave=False)
        assert self._bar is not None
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
