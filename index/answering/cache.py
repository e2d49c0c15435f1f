"""Answers already given, by question: a question asked again is answered without the model.

Keyed on the normalised question, the document filter, the follow-up context and the index
generation, so a reindex (a new generation) never serves an answer of the old documents.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Hashable

from citebot.index.answering.answer import Answer

DEFAULT_SIZE = 4096


def normalise(text: str | None) -> str:
    """Case, width and spacing variants of a text map to one key."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


class AnswerCache:
    """A bounded, thread-safe LRU of answers."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._answers: OrderedDict[Hashable, Answer] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(question: str, doc: str | None, context: str | None, generation: str) -> tuple:
        return normalise(question), doc, normalise(context), generation

    def get(self, key: Hashable) -> Answer | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: Hashable, answer: Answer) -> None:
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()

    def __len__(self) -> int:
        return len(self._answers)
