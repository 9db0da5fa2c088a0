"""`hiccup probe` as an operator runs it: clear refusals, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hiccup.cli.main import app
from hiccup.cli.probe import default_buffer_dir
from hiccup.probe.buffer import DiskBuffer
from hiccup.probe.spool import BUFFER_FILE
from tests.support.probe_server import (
    REGION,
    TOKEN,
    CountingTarget,
    ProbeServer,
    agent_settings,
    http_monitor,
    running,
)

GOOD = ["probe", "--server", "http://127.0.0.1:1", "--region", "eu"]


@pytest.mark.parametrize(
    ("args", "token", "message"),
    [
        (["probe", "--server", "127.0.0.1:8000", "--region", "eu"], TOKEN, "--server"),
        ([*GOOD, "--server", "ftp://x"], TOKEN, "use http://HOST"),
        (GOOD, "", "no token: set HICCUP_PROBE_TOKEN"),
        (GOOD, "hc_operator_token", "not a probe token"),
        (["probe", "--server", "http://x", "--region", "EU"], TOKEN, "--region 'EU'"),
        ([*GOOD, "--buffer-max-mb", "0"], TOKEN, "must be positive"),
    ],
)
def test_it_refuses_bad_arguments_with_a_clear_message(
    args: list[str], token: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HICCUP_PROBE_TOKEN", token)
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert message in result.output


def test_the_buffer_lives_in_the_state_directory_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_buffer_dir("eu") == tmp_path / "hiccup-probe" / "eu"
    monkeypatch.delenv("XDG_STATE_HOME")
    assert default_buffer_dir("eu") == Path.home() / ".local" / "state" / "hiccup-probe" / "eu"


async def test_sigterm_stops_it_with_exit_0_and_loses_nothing(tmp_path: Path) -> None:
    target = CountingTarget()
    await target.start()
    server = ProbeServer(monitors=[http_monitor("web", target.url, 0.2)])
    server.uploads_unavailable = True  # every result stays in the buffer
    await server.start()
    buffer_dir = tmp_path / "buffer"
    agent = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "hiccup", "probe", "--server", server.url],
        *["--region", REGION, "--buffer", str(buffer_dir)],
        env={**os.environ, "HICCUP_PROBE_TOKEN": TOKEN},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while target.hits < 5:
            assert time.monotonic() < deadline
            assert agent.returncode is None
            await asyncio.sleep(0.05)
        agent.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(agent.communicate(), 15)
        assert agent.returncode == 0, stderr.decode()
        checked = target.hits
        buffered = DiskBuffer(buffer_dir / BUFFER_FILE, 10**8)
        # The check in flight at SIGTERM may be cut short; every other one is on disk.
        assert checked - 1 <= len(buffered) <= checked
        assert f"stopped; {len(buffered):,} results wait in the buffer" in stderr.decode()
        buffered.close()
        server.uploads_unavailable = False
        async with running(agent_settings(buffer_dir, server.url)):
            await server.wait_for("web", checked - 1)
    finally:
        if agent.returncode is None:
            agent.kill()
            await agent.wait()
        await server.stop()
        await target.stop()
