"""The wheel, installed the usual way into a fresh virtualenv, answers from a folder outside the repository.

Slow by nature (builds the wheel, installs the default dependencies from the pip cache, builds the
index): one test of a minute or more.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support import REPO

TEST_TOOLS = {"pytest", "pytest-cov", "coverage", "coveralls", "typer", "hanja", "korean-romanizer", "trafilatura"}


def run(*command: str | Path, timeout: float = 900, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=timeout, **kwargs)
    assert result.returncode == 0, f"{command}: {result.stderr[-2000:]}"
    return result


def test_the_wheel_installs_into_a_fresh_venv_and_answers_from_any_directory(tmp_path: Path):
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", tmp_path / "dist", REPO)
    [wheel] = (tmp_path / "dist").glob("citebot-*.whl")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    run(venv / "bin" / "pip", "install", "--quiet", "--constraint", REPO / "requirements.lock", wheel)

    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8"}
    answer = run(venv / "bin" / "citebot", "ask", "Why did North Korea recall its ambassador?", cwd=elsewhere, env=env)
    assert "召回驻蒙古大使" in answer.stdout
    assert "(The Diplomat, 2025-11-04)" in answer.stdout

    site_packages = Path(
        run(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    )
    written = [p for p in site_packages.rglob("*") if p.suffix in {".faiss", ".sqlite3"} or p.name == "manifest.json"]
    assert written == []
    assert (home / ".local" / "share" / "citebot" / "index" / "current").exists()
    assert list(elsewhere.iterdir()) == []

    installed = run(venv / "bin" / "pip", "list", "--format=freeze").stdout
    names = {line.split("==")[0].lower() for line in installed.splitlines()}
    assert names & TEST_TOOLS == set()
    version = run(venv / "bin" / "python", "-m", "citebot", "--version", cwd=elsewhere, env=env)
    assert version.stdout.startswith("citebot, version ")
