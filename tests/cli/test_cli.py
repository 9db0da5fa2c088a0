"""The `hiccup` command as a new user runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from hiccup.cli.main import EXAMPLE
from tests.support.targets import reserve_port

HICCUP = [sys.executable, "-m", "hiccup"]


def run(args: list[str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HICCUP_DATA_DIR": str(cwd / "data"), "COLUMNS": "200"}
    env.pop("HICCUP_DATABASE_URL", None)
    return subprocess.run(
        [*HICCUP, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_init_writes_the_example_and_creates_the_database(tmp_path: Path) -> None:
    result = run(["init"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "hiccup.yaml").read_text() == EXAMPLE.read_text()
    assert (tmp_path / "data" / "hiccup.db").exists()
    again = run(["init"], tmp_path)
    assert again.returncode == 0
    assert "not overwriting" in again.stderr


def test_check_accepts_a_good_config(tmp_path: Path) -> None:
    (tmp_path / "hiccup.yaml").write_text(EXAMPLE.read_text())
    result = run(["check"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2 monitors" in result.stdout


def test_check_names_file_line_and_field_and_exits_1(tmp_path: Path) -> None:
    bad = EXAMPLE.read_text().replace("interval: 30s", "interval: often")
    (tmp_path / "bad.yaml").write_text(bad)
    result = run(["check", "--config", "bad.yaml"], tmp_path)
    assert result.returncode == 1
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if "interval: often" in text)
    assert f"bad.yaml:{line}: monitors[0].interval: invalid duration 'often'" in result.stderr


def test_serve_refuses_to_start_on_a_bad_config(tmp_path: Path) -> None:
    (tmp_path / "hiccup.yaml").write_text(EXAMPLE.read_text().replace("kind: tcp", "kind: telnet"))
    result = run(["serve", "--port", "1"], tmp_path)
    assert result.returncode == 1
    assert "monitors[1].kind" in result.stderr
    assert not (tmp_path / "data" / "hiccup.db").exists()


def test_serve_without_any_config_says_what_to_do(tmp_path: Path) -> None:
    result = run(["serve"], tmp_path)
    assert result.returncode == 1
    assert "hiccup init" in result.stderr


@pytest.mark.parametrize("command", ["init", "check", "serve", "demo"])
def test_every_command_has_help(tmp_path: Path, command: str) -> None:
    result = run([command, "--help"], tmp_path)
    assert result.returncode == 0
    assert "Usage" in result.stdout


def test_serve_runs_the_page_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = reserve_port()
    (tmp_path / "hiccup.yaml").write_text(EXAMPLE.read_text())
    env = {**os.environ, "HICCUP_DATA_DIR": str(tmp_path / "data")}
    env.pop("HICCUP_DATABASE_URL", None)
    command = [*HICCUP, "serve", "--port", str(port)]
    with subprocess.Popen(
        command, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    ) as server:
        try:
            page = wait_for_page(f"http://127.0.0.1:{port}/", seconds=30)
            assert "Example Hosting Status" in page
        finally:
            server.send_signal(signal.SIGTERM)
            _, log = server.communicate(timeout=30)
    # The default server (granian) exits 0 after the app's shutdown; uvicorn would re-raise.
    assert server.returncode in (0, -signal.SIGTERM), log
    assert "hiccup stopped: workers ended, results flushed" in log
    assert "Traceback" not in log


def wait_for_page(url: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                body: bytes = response.read()
                return body.decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
