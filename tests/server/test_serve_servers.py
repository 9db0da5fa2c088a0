"""`hiccup serve` under uvicorn and under granian: serves the page, writes its snapshot to disk,
and stops promptly on SIGINT even with a reader's live stream open."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.targets import reserve_port

CONFIG = """\
page: {name: Flexo Hosting}
components:
  - {name: flexo, key: flexo}
"""


def wait_ready(
    url: str, process: subprocess.Popen[bytes], seconds: float = 60, accept: int = 200
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            if httpx.get(url, timeout=2).status_code == accept:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not come up")


@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_serve_runs_and_stops_with_a_live_stream_open(tmp_path: Path, server: str) -> None:
    (tmp_path / "hiccup.yaml").write_text(CONFIG)
    port = reserve_port()
    env = {**os.environ, "HICCUP_DATA_DIR": str(tmp_path / "data")}
    env.pop("HICCUP_DATABASE_URL", None)
    command = [sys.executable, "-m", "hiccup", "serve", "--port", str(port), "--server", server]
    with subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as process:
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base + "/healthz", process)
            assert "Flexo Hosting" in httpx.get(base + "/").text
            with (
                httpx.Client(base_url=base, timeout=10) as client,
                client.stream("GET", "/live") as stream,
            ):
                assert next(stream.iter_lines()) == "event: hello"
                stopping = time.monotonic()
                process.send_signal(signal.SIGINT)
                # uvicorn re-raises the signal once it has shut down: 130 is a clean Ctrl-C.
                assert process.wait(timeout=20) in (0, 130)
            assert time.monotonic() - stopping < 10
        finally:
            if process.poll() is None:
                process.kill()
    assert (tmp_path / "data" / "snapshot" / "manifest.json").exists()


PRIVATE_CONFIG = """\
page: {name: Flexo Hosting}
components:
  - {name: flexo, key: flexo}
  - {name: Primary database, key: db}
pages:
  - {name: Operations, slug: ops, components: [db], private: {password_env: OPS_PASSWORD}}
notifications:
  smtp: {host: 127.0.0.1, port: 9, security: none, from: status@flexo.example}
"""


def test_a_private_page_subscribes_and_streams_under_its_prefix_behind_its_password(
    tmp_path: Path,
) -> None:
    (tmp_path / "hiccup.yaml").write_text(PRIVATE_CONFIG)
    port = reserve_port()
    env = {**os.environ, "HICCUP_DATA_DIR": str(tmp_path / "data"), "OPS_PASSWORD": "letmein"}
    env.pop("HICCUP_DATABASE_URL", None)
    command = [sys.executable, "-m", "hiccup", "serve", "--port", str(port)]
    with subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as process:
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base + "/healthz", process)
            public = httpx.get(base + "/subscribe")
            assert public.status_code == 200
            assert "Primary database" not in public.text
            assert httpx.get(base + "/p/ops/subscribe").status_code == 401
            auth = ("any", "letmein")
            own = httpx.get(base + "/p/ops/subscribe", auth=auth)
            assert own.status_code == 200
            assert "Primary database" in own.text
            with (
                httpx.Client(base_url=base, timeout=10, auth=auth) as client,
                client.stream("GET", "/p/ops/live") as stream,
            ):
                assert stream.status_code == 200
                assert next(stream.iter_lines()) == "event: hello"
        finally:
            process.kill()
            process.wait(timeout=20)
