"""The data directory is a boundary: links out, FIFOs, oversize files, too many files, bad ids."""

import json
import os
from pathlib import Path

from citebot.index.storage import store
from tests.support import citebot, write_small_corpus

SECRET = "TELEGRAM_BOT_TOKEN=123456:secret-token-from-the-environment"


def env_of(tmp_path: Path, **extra: str) -> dict:
    return {"CITEBOT_DATA_DIR": str(tmp_path / "data"), "CITEBOT_INDEX_DIR": str(tmp_path / "index"), **extra}


def test_links_out_of_the_data_directory_and_fifos_are_skipped_with_a_warning(tmp_path):
    data = write_small_corpus(tmp_path / "data")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(f"# Secrets\n\nThe token is {SECRET}.\n", encoding="utf-8")
    (data / "environ.txt").symlink_to("/proc/self/environ")
    (data / "secret.md").symlink_to(outside / "secret.md")
    (data / "linked").symlink_to(outside, target_is_directory=True)
    (data / "alias-en.md").symlink_to(data / "small-en.md")  # inside: read once, as small-en
    os.mkfifo(data / "pipe.md")
    result = citebot(
        "ask",
        "What is the TELEGRAM_BOT_TOKEN secret token?",
        timeout=240,
        env=env_of(tmp_path, TELEGRAM_BOT_TOKEN=SECRET.split("=", 1)[1]),
    )
    assert result.returncode == 0, result.stderr
    assert "secret-token" not in result.stdout and "Traceback" not in result.stderr
    for name in ("environ.txt", "secret.md", "linked", "pipe.md"):
        assert f"skipped {data / name}" in result.stderr, name
    assert "outside the data directory" in result.stderr and "not a regular file" in result.stderr
    indexed = json.loads((tmp_path / "index" / "current" / "manifest.json").read_text())["documents"]
    assert sorted(d["id"] for d in indexed) == ["small-en", "small-zh"]


def test_an_oversize_document_fails_the_build_naming_file_and_limit_and_the_old_index_answers(tmp_path):
    data = write_small_corpus(tmp_path / "data")
    assert citebot("reindex", env=env_of(tmp_path)).returncode == 0
    with open(data / "huge.md", "wb") as out:
        out.truncate(6 * 1024 * 1024)
    result = citebot("reindex", env=env_of(tmp_path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "huge.md: 6 MB, over the 5 MB limit for a document (CITEBOT_MAX_DOCUMENT_MB)" in result.stderr
    assert [d["id"] for d in store.load(tmp_path / "index").manifest["documents"]] == ["small-en", "small-zh"]
    smaller = citebot("reindex", env=env_of(tmp_path, CITEBOT_MAX_DOCUMENT_MB="0.5"))
    assert smaller.returncode == 1 and "huge.md: 6 MB, over the 512 KB limit" in smaller.stderr


def test_too_many_documents_fail_the_build_with_the_limit(tmp_path):
    write_small_corpus(tmp_path / "data")
    (tmp_path / "data" / "third.md").write_text("A third document.\n", encoding="utf-8")
    result = citebot("reindex", env=env_of(tmp_path, CITEBOT_MAX_DOCUMENTS="2"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "more than 2 documents in" in result.stderr and "CITEBOT_MAX_DOCUMENTS" in result.stderr


def test_a_yaml_alias_bomb_fails_the_build_naming_the_file(tmp_path):
    data = write_small_corpus(tmp_path / "data")
    levels = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9))
    (data / "bomb.md").write_text(f"---\nl0: &l0 [lol]\n{levels}title: *l8\n---\n\nBody.\n", encoding="utf-8")
    result = citebot("reindex", env=env_of(tmp_path), timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "bomb.md: front matter is not valid YAML" in result.stderr and "aliases" in result.stderr


def test_import_refuses_ids_that_are_not_slugs(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("一段文字。\n", encoding="utf-8")
    for bad in ("../../x", "/etc/passwd", "a/b", ".hidden", "README"):
        result = citebot("import", str(page), "--id", bad, "--title", "T", env=env_of(tmp_path))
        assert result.returncode == 2 and "--id" in result.stderr and "Traceback" not in result.stderr, bad
    assert not (tmp_path / "x.md").exists() and not (tmp_path / "data").exists()


def test_import_does_not_overwrite_an_existing_document_without_force(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("新的文字。\n", encoding="utf-8")
    data = write_small_corpus(tmp_path / "data")
    before = (data / "small-zh.md").read_text(encoding="utf-8")
    refused = citebot("import", str(page), "--id", "small-zh", "--title", "T", env=env_of(tmp_path))
    assert refused.returncode == 1 and "already exists" in refused.stderr and "--force" in refused.stderr
    assert (data / "small-zh.md").read_text(encoding="utf-8") == before
    forced = citebot("import", str(page), "--id", "small-zh", "--title", "T", "--force", env=env_of(tmp_path))
    assert forced.returncode == 0, forced.stderr
    assert "新的文字" in (data / "small-zh.md").read_text(encoding="utf-8")
