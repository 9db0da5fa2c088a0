"""`hiccup serve` under uvicorn and under granian: serves the page, writes its snapshot to disk,
and stops promptly on SIGINT even with a reader's live stream open."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.support.serve_process import MINIMAL_CONFIG, hiccup_serve


@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_serve_runs_and_stops_with_a_live_stream_open(tmp_path: Path, server: str) -> None:
    with hiccup_serve(tmp_path, MINIMAL_CONFIG, "--server", server) as served:
        assert "Flexo Hosting" in httpx.get(served.base + "/").text
        with (
            httpx.Client(base_url=served.base, timeout=10) as client,
            client.stream("GET", "/live") as stream,
        ):
            assert next(stream.iter_lines()) == "event: hello"
            stopping = time.monotonic()
            served.send(signal.SIGINT)
            # uvicorn re-raises the signal once it has shut down: 130 is a clean Ctrl-C.
            assert served.exit_code(timeout=20) in (0, 130)
        assert time.monotonic() - stopping < 10
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
    with hiccup_serve(tmp_path, PRIVATE_CONFIG, env={"OPS_PASSWORD": "letmein"}) as served:
        base = served.base
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
