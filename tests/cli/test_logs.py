"""What the commands write: JSON lines when asked, plain words instead of Python reprs, and
none of Alembic's or granian's chatter."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hiccup.cli.logsetup import JsonFormatter, LogFormat, configure_logging
from tests.support.serve_process import HiccupServe

CONFIG = """\
page: {name: Flexo Hosting}
components:
  - {name: flexo, key: flexo}
monitors:
  - {name: flexo website, kind: tcp, target: "127.0.0.1:1", component: flexo}
"""
NOISE = ("alembic", "Context impl", "Running upgrade", "experimental", "SyncReport(")


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "HICCUP_DATA_DIR": str(tmp_path / "data"), **extra}
    env.pop("HICCUP_DATABASE_URL", None)
    return env


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, logging.getLogger("alembic").level)
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    logging.getLogger("alembic").setLevel(saved[2])


def test_a_json_line_carries_time_level_logger_message_and_extra_fields() -> None:
    record = logging.LogRecord(
        "hiccup.x", logging.WARNING, "x.py", 1, "%s is down", ("flexo",), None
    )
    record.__dict__.update(delivery=7, transport="webhook", thing=Path("/a"))
    entry = json.loads(JsonFormatter().format(record))
    assert entry.pop("time").endswith("+00:00")
    assert entry == {
        "level": "WARNING",
        "logger": "hiccup.x",
        "message": "flexo is down",
        "delivery": 7,
        "transport": "webhook",
        "thing": "/a",
    }


def test_a_traceback_stays_inside_its_one_line() -> None:
    try:
        raise ValueError("bad\nworse")
    except ValueError:
        record = logging.LogRecord("h", logging.ERROR, "x.py", 1, "oops", (), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: bad" in json.loads(line)["exception"]


def test_configure_logging_keeps_alembic_info_off(root_logging: None) -> None:
    configure_logging(LogFormat.JSON)
    stream = io.StringIO()
    logging.getLogger().handlers[0].setStream(stream)  # type: ignore[attr-defined]
    logging.getLogger("alembic.runtime.migration").info("Running upgrade 0001 -> 0002")
    logging.getLogger("hiccup.test").info("kept")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["message"] for line in lines] == ["kept"]


def test_serve_writes_only_json_lines_in_plain_words(tmp_path: Path) -> None:
    served = HiccupServe(tmp_path, env={"HICCUP_LOG_FORMAT": "json"}).write_config(CONFIG)
    with served.serving():
        served.send(signal.SIGINT)
        served.exit_code(timeout=20)
    log = tmp_path / "serve.log"
    lines = log.read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    messages = [e["message"] for e in entries]
    assert any(m.startswith("upgrading the database schema from nothing") for m in messages)
    assert "config synced: created page default, component flexo, monitor flexo-website" in (
        messages
    )
    assert any(m.startswith("Listening at") for m in messages)  # granian's lines kept
    for noise in NOISE:
        assert not any(noise in line for line in lines), noise


@pytest.mark.parametrize("commands", [["init"], ["migrate"], ["init", "migrate"]])
def test_database_commands_say_one_line_without_alembic(
    tmp_path: Path, commands: list[str]
) -> None:
    said = ""
    for name in commands:
        done = subprocess.run(
            [sys.executable, "-m", "hiccup", name],
            cwd=tmp_path,
            env=env_for(tmp_path),
            capture_output=True,
            text=True,
            check=True,
        )
        said += done.stdout + done.stderr
    for noise in NOISE:
        assert noise not in said
    if commands[-1] == "migrate":
        expected = "is current" if "init" in commands else "upgraded: schema empty ->"
        assert expected in said
