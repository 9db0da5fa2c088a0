"""A private page's password under guessing, through a real `hiccup serve`: past five wrong
passwords a client gets 429 with Retry-After, and past twenty from all clients the page does."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.serve_process import hiccup_serve

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
    env = {"OPS_PASSWORD": RIGHT[1]}
    page = "/p/ops/badge/status.svg"
    with (
        hiccup_serve(tmp_path, CONFIG, env=env, ready=page, accept=401) as served,
        httpx.Client(base_url=served.base, timeout=10) as client,
    ):
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
