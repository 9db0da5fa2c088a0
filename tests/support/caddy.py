"""Debian's Caddy on loopback, running deploy/Caddyfile as shipped but for its site address,
certificate (a test CA's, not ACME) and upstream port."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.nginx import Proxy, prepare, stop, wait_listening

DEPLOYED = Path(__file__).parents[2] / "deploy" / "Caddyfile"
CADDY = Path("/usr/bin/caddy")

# No admin endpoint, no redirect listener on port 80, everything Caddy keeps under the test's
# folder; a client without SNI (an IP address) gets the site's certificate.
GLOBAL = """\
{{
	admin off
	auto_https disable_redirects
	http_port {http_port}
	https_port {https_port}
	default_sni 127.0.0.1
	storage file_system {root}/storage
}}
"""


def templated(text: str, *, https_port: int, http_port: int, hiccup_port: int, root: Path) -> str:
    changes = {
        "status.example.com {\n": (
            GLOBAL.format(http_port=http_port, https_port=https_port, root=root)
            + f"https://127.0.0.1:{https_port} {{\n"
            + f"\ttls {root / 'cert.pem'} {root / 'key.pem'}\n"
        ),
    }
    for old, new in changes.items():
        assert text.count(old) == 1, f"deploy/Caddyfile no longer has {old!r} once"
        text = text.replace(old, new)
    upstream = "reverse_proxy 127.0.0.1:8000"
    assert text.count(upstream) == 2, "deploy/Caddyfile's upstreams changed"
    return text.replace(upstream, f"reverse_proxy 127.0.0.1:{hiccup_port}")


@contextmanager
def caddy_in_front(root: Path, hiccup_port: int) -> Iterator[Proxy]:
    ca, https_port, http_port = prepare(root, DEPLOYED, templated, hiccup_port, "Caddyfile")
    env = {
        **os.environ,
        "HOME": str(root),
        "XDG_DATA_HOME": str(root),
        "XDG_CONFIG_HOME": str(root),
    }
    command = [str(CADDY), "run", "--config", str(root / "Caddyfile"), "--adapter", "caddyfile"]
    log = root / "caddy.log"
    with (
        log.open("wb") as out,
        subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT) as process,
    ):
        try:
            wait_listening(https_port, process, log)
            yield Proxy(https_port, http_port, ca)
        finally:
            stop(process)
