"""Debian's nginx on loopback, running deploy/nginx/hiccup.conf as shipped but for its ports,
certificate paths and upstream port: a real TLS proxy in front of a real `hiccup serve`."""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import trustme

DEPLOYED = Path(__file__).parents[2] / "deploy" / "nginx" / "hiccup.conf"
NGINX = Path("/usr/sbin/nginx")

MAIN = """\
daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log info;
{user}
events {{ worker_connections 256; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    include {root}/hiccup.conf;
}}
"""


@dataclass(frozen=True)
class Proxy:
    https_port: int
    http_port: int
    ca: trustme.CA

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"


def templated(text: str, *, https_port: int, http_port: int, hiccup_port: int, root: Path) -> str:
    """The shipped config with only what a test must change; each change must apply once, so
    a config that drifts from what the test expects fails here rather than passing untested."""
    changes = {
        "    listen 80;\n": f"    listen 127.0.0.1:{http_port};\n",
        "    listen [::]:80;\n": "",
        "    listen 443 ssl http2;\n": f"    listen 127.0.0.1:{https_port} ssl http2;\n",
        "    listen [::]:443 ssl http2;\n": "",
        "/etc/letsencrypt/live/status.example.com/fullchain.pem": str(root / "cert.pem"),
        "/etc/letsencrypt/live/status.example.com/privkey.pem": str(root / "key.pem"),
        "    server 127.0.0.1:8000;\n": f"    server 127.0.0.1:{hiccup_port};\n",
    }
    for old, new in changes.items():
        assert text.count(old) == 1, f"deploy/nginx/hiccup.conf no longer has {old!r} once"
        text = text.replace(old, new)
    return text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the proxy exited: {log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the proxy did not start listening: {log.read_text()}")


def write_certificate(ca: trustme.CA, root: Path) -> None:
    """cert.pem (chain) and key.pem in `root`, for 127.0.0.1 and the configs' host name."""
    leaf = ca.issue_cert("127.0.0.1", "status.example.com")
    leaf.private_key_pem.write_to_path(str(root / "key.pem"))
    (root / "cert.pem").write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))


class Templating(Protocol):
    def __call__(
        self, text: str, *, https_port: int, http_port: int, hiccup_port: int, root: Path
    ) -> str: ...


def prepare(
    root: Path, deployed: Path, templated: Templating, hiccup_port: int, name: str
) -> tuple[trustme.CA, int, int]:
    """A test CA and its certificate in `root`, two free ports, and the shipped config at
    `deployed` written to `root/name` with them: (ca, https_port, http_port)."""
    root.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    write_certificate(ca, root)
    https_port, http_port = free_port(), free_port()
    text = deployed.read_text(encoding="utf-8")
    config = templated(
        text, https_port=https_port, http_port=http_port, hiccup_port=hiccup_port, root=root
    )
    (root / name).write_text(config, encoding="utf-8")
    return ca, https_port, http_port


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@contextmanager
def nginx_in_front(root: Path, hiccup_port: int) -> Iterator[Proxy]:
    """nginx as a foreground process with its own prefix, pid, logs and temp paths."""
    ca, https_port, http_port = prepare(root, DEPLOYED, templated, hiccup_port, "hiccup.conf")
    # As root, nginx's workers would become `nobody`, who cannot enter pytest's 0700 folders.
    user = f"user {pwd.getpwuid(os.getuid()).pw_name};" if os.getuid() == 0 else ""
    (root / "nginx.conf").write_text(MAIN.format(root=root, user=user), encoding="utf-8")
    command = [str(NGINX), "-p", str(root), "-c", str(root / "nginx.conf"), "-e", "stderr"]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
    log = root / "error.log"
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as process:
        try:
            wait_listening(https_port, process, log)
            yield Proxy(https_port, http_port, ca)
        finally:
            stop(process)  # a fast shutdown: streams still open are cut
