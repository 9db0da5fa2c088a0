"""`hiccup user add|passwd|list` and `hiccup config export` as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HICCUP = [sys.executable, "-m", "hiccup"]
CONFIG = """page: {name: Example hosting}
components: [{name: amy}]
monitors:
  - {name: amy tcp, kind: tcp, target: "127.0.0.1:9", component: amy, tags: [eu]}
history: {retention: 14d}
"""


def run(args: list[str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HICCUP_DATA_DIR": str(cwd / "data"), "COLUMNS": "200"}
    env.pop("HICCUP_DATABASE_URL", None)
    return subprocess.run(
        [*HICCUP, *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_users_are_added_listed_and_given_new_passwords(tmp_path: Path) -> None:
    added = run(
        ["user", "add", "olga", "--role", "owner", "--password-stdin"],
        tmp_path,
        "a long enough secret\n",
    )
    assert added.returncode == 0, added.stderr
    twice = run(["user", "add", "olga", "--password-stdin"], tmp_path, "a long enough secret\n")
    assert twice.returncode == 1
    assert "exists already" in twice.stderr
    short = run(["user", "add", "vic", "--password-stdin"], tmp_path, "short\n")
    assert short.returncode == 1
    assert "at least 10 characters" in short.stderr
    changed = run(["user", "passwd", "olga", "--password-stdin"], tmp_path, "another secret!\n")
    assert changed.returncode == 0, changed.stderr
    listed = run(["user", "list"], tmp_path)
    assert "olga" in listed.stdout
    assert "owner" in listed.stdout


def test_config_export_writes_a_file_check_accepts(tmp_path: Path) -> None:
    (tmp_path / "hiccup.yaml").write_text(CONFIG)
    synced = run(["heartbeats"], tmp_path)  # syncs the config into the database, as serve does
    assert synced.returncode == 0, synced.stderr
    exported = run(["config", "export", "--out", "exported.yaml"], tmp_path)
    assert exported.returncode == 0, exported.stderr
    text = (tmp_path / "exported.yaml").read_text()
    assert "amy-tcp" in text
    assert "retention: 14d" in text
    checked = run(["check", "--config", "exported.yaml"], tmp_path)
    assert checked.returncode == 0, checked.stderr
