"""jieba, the Chinese word segmenter and tagger, loaded once and as fast as it can be.

Loading is most of a Chinese question's start-up, so two of jieba's own steps are done another way:
- jieba imports pkg_resources (0.13 s, and deprecated) only to open its data files, and opens them
  with plain open() when that import fails; citebot makes it fail for jieba's import alone.
- jieba reads its cached prefix dictionary with marshal.load on the open file, one read call per
  object (about 1 s); marshal.loads on the same bytes takes 0.25 s. Anything unexpected is left to jieba.
"""

from __future__ import annotations

import importlib
import logging
import marshal
import sys
import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from types import ModuleType

_importing = threading.Lock()


@lru_cache(maxsize=1)
def segmenter() -> ModuleType:
    """jieba with its dictionary loaded (built and cached by jieba when there is no usable cache)."""
    jieba = _import_without_pkg_resources("jieba")
    jieba.setLogLevel(logging.WARNING)
    _load_cached_dictionary(jieba.dt)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=1)
def tagger() -> ModuleType:
    """jieba.posseg, over the same loaded dictionary."""
    segmenter()
    return importlib.import_module("jieba.posseg")


def _import_without_pkg_resources(name: str) -> ModuleType:
    with _importing:
        if name in sys.modules or "pkg_resources" in sys.modules:
            return importlib.import_module(name)
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes `import pkg_resources` fail
        try:
            return importlib.import_module(name)
        finally:
            del sys.modules["pkg_resources"]


def _load_cached_dictionary(tokenizer) -> None:
    from jieba import DEFAULT_DICT

    if tokenizer.initialized or tokenizer.cache_file or tokenizer.dictionary != DEFAULT_DICT:
        return
    cache = Path(tokenizer.tmp_dir or tempfile.gettempdir()) / "jieba.cache"  # where jieba keeps it
    try:
        freq, total = marshal.loads(cache.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return
    if isinstance(freq, dict) and isinstance(total, int) and total > 0:
        tokenizer.FREQ, tokenizer.total, tokenizer.initialized = freq, total, True
