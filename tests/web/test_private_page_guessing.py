"""A private page's password under guessing, through a real `hiccup serve`: past five wrong
passwords a client gets 429 with Retry-After, and past twenty from all clients the page does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.server.test_serve_servers import wait_ready
from tests.support.targets import reserve_port

CONFIG = """\
page: {name: Flexo Hosting}
components:
  - {name: flexo, key: flexo}
  - {name: db, key: db}
pages:
  - name: Ops
    slug: ops
    components: [db]
    private: {password_env: OPS_PASSWORD, trusted_proxies: [127.0.0.1/32]}
"""
RIGHT = ("anyone", "the-right-password")


def _from(address: str) -> dict[str, str]:
    return {"x-forwarded-for": address}


def test_wrong_passwords_are_throttled_per_client_and_per_page(tmp_path: Path) -> None:
    (tmp_path / "hiccup.yaml").write_text(CONFIG)
    port = reserve_port()
    env = {**os.environ, "HICCUP_DATA_DIR": str(tmp_path / "data"), "OPS_PASSWORD": RIGHT[1]}
    env.pop("HICCUP_DATABASE_URL", None)
    command = [sys.executable, "-m", "hiccup", "serve", "--port", str(port)]
    with subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as process:
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base + "/p/ops/badge/status.svg", process, accept=401)
            with httpx.Client(base_url=base, timeout=10) as client:
                page = "/p/ops/badge/status.svg"
                answers = [client.get(page, auth=("x", f"guess {i}")) for i in range(60)]
                assert [a.status_code for a in answers[:5]] == [401] * 5
                assert {a.status_code for a in answers[5:]} == {429}
                assert all(int(a.headers["retry-after"]) >= 1 for a in answers[5:])
                # Locked: the right password from that client is not even looked at.
                assert client.get(page, auth=RIGHT).status_code == 429
                # Another client still gets in: the page has counted only six failures.
                assert client.get(page, auth=RIGHT, headers=_from("192.0.2.1")).status_code == 200
                for index in range(20):
                    client.get(page, auth=("x", "guess"), headers=_from(f"198.51.100.{index}"))
                locked = client.get(page, auth=RIGHT, headers=_from("192.0.2.2"))
                assert locked.status_code == 429
                assert int(locked.headers["retry-after"]) >= 1
                # The public page is not behind the private page's lock.
                assert client.get("/badge/status.svg").status_code == 200
        finally:
            process.kill()
            process.wait()
