"""`hiccup serve` behind deploy/nginx/hiccup.conf in Debian's nginx and behind deploy/Caddyfile
in Debian's Caddy, with TLS: the page, its live stream (each event arrives when it is sent),
admin login, and the audit log naming the client's own address, not the proxy's nor one the
client made up."""

from __future__ import annotations

import os
import queue
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.admin_helpers import PASSWORD, login_csrf, session_csrf
from tests.support.caddy import CADDY, caddy_in_front
from tests.support.nginx import NGINX, Proxy, nginx_in_front
from tests.support.serve_process import HiccupServe
from tests.support.targets import reserve_port

PROXIES = {"nginx": nginx_in_front, "caddy": caddy_in_front}

CONFIG = """\
page: {{name: Flexo Hosting, url: "https://127.0.0.1:{port}"}}
components:
  - {{name: flexo, key: flexo}}
trusted_proxies: [127.0.0.1/32]
"""
# The browser's own address: on loopback, but not the proxy's 127.0.0.1.
CLIENT = "127.0.0.2"
FORGED = "198.51.100.7"
Event = tuple[str, float]


def hiccup_cli(tmp_path: Path, *args: str, stdin: str = "") -> None:
    subprocess.run(
        [sys.executable, "-m", "hiccup", *args],
        cwd=tmp_path,
        env=served_env(tmp_path),
        input=stdin,
        text=True,
        capture_output=True,
        check=True,
    )


def served_env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "HICCUP_DATA_DIR": str(tmp_path / "data")}
    env.pop("HICCUP_DATABASE_URL", None)
    return env


@pytest.fixture(
    params=[
        pytest.param(
            "nginx", marks=pytest.mark.skipif(not NGINX.exists(), reason="no Debian nginx")
        ),
        pytest.param(
            "caddy", marks=pytest.mark.skipif(not CADDY.exists(), reason="no Debian caddy")
        ),
    ]
)
def proxy(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Proxy]:
    hiccup_port = reserve_port()
    in_front = PROXIES[request.param]
    with in_front(tmp_path / request.param, hiccup_port) as proxy:
        (tmp_path / "hiccup.yaml").write_text(CONFIG.format(port=proxy.https_port))
        hiccup_cli(
            tmp_path,
            "user",
            "add",
            "olga",
            "--role",
            "owner",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        with HiccupServe(tmp_path, port=hiccup_port).serving(graceful=True):
            yield proxy


def browser(proxy: Proxy) -> httpx.Client:
    trusted = ssl.create_default_context()
    proxy.ca.configure_trust(trusted)
    transport = httpx.HTTPTransport(verify=trusted, local_address=CLIENT)
    return httpx.Client(base_url=proxy.base, transport=transport, timeout=15)


def read_events(proxy: Proxy, found: queue.Queue[Event], stop: threading.Event) -> None:
    with browser(proxy) as client, client.stream("GET", "/live") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("event: "):
                found.put((line.removeprefix("event: "), time.monotonic()))
            if stop.is_set():
                return


def open_incident(client: httpx.Client) -> float:
    form = login_csrf(client.get("/admin/login").text)
    data = {"name": "olga", "password": PASSWORD, "login_csrf": form}
    # Written by the client in its own header; nginx appends the address it saw.
    logged_in = client.post("/admin/login", data=data, headers={"x-forwarded-for": FORGED})
    assert logged_in.status_code == 303
    csrf = session_csrf(client.get("/admin/incidents/new").text)
    incident = {"csrf_token": csrf, "name": "Flexo unreachable", "message": "Looking into it."}
    sent = time.monotonic()
    assert client.post("/admin/incidents/new", data=incident).status_code == 303
    return sent


def test_the_page_live_updates_login_and_audit_work_through_the_proxy(proxy: Proxy) -> None:
    with browser(proxy) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert "Flexo Hosting" in page.text
        assert page.http_version == "HTTP/1.1"
        # page.url is https, so Hiccup pins browsers to it; nginx passes the header on.
        assert page.headers["strict-transport-security"].startswith("max-age=")

        found: queue.Queue[Event] = queue.Queue()
        stop = threading.Event()
        reader = threading.Thread(target=read_events, args=(proxy, found, stop), daemon=True)
        reader.start()
        assert found.get(timeout=15)[0] == "hello"
        sent = open_incident(client)
        name, arrived = found.get(timeout=15)
        stop.set()
        assert name == "snapshot"
        # Unbuffered: the event is through the proxy within moments of the change, not held
        # back until a buffer fills or the stream ends.
        assert arrived - sent < 5
        assert "Flexo unreachable" in client.get("/").text

        audit = client.get("/admin/audit")
        assert audit.status_code == 200
    assert f"<td>{CLIENT}</td>" in audit.text
    assert FORGED not in audit.text
    assert "<td>127.0.0.1</td>" not in audit.text


@pytest.mark.skipif(not NGINX.exists(), reason="no Debian nginx")
def test_nginx_sends_plain_http_to_https(tmp_path: Path) -> None:
    with nginx_in_front(tmp_path, reserve_port()) as proxy:
        answer = httpx.get(f"http://127.0.0.1:{proxy.http_port}/admin/login?x=1")

    assert answer.status_code == 301
    assert answer.headers["location"] == "https://127.0.0.1/admin/login?x=1"
