"""What can be checked of the proxy configs without running them: they send to the address
the systemd unit serves on, and both treat exactly Hiccup's live-stream paths as streams.
(Both also run for real in test_behind_a_proxy.py.)"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.caddy import CADDY

DEPLOY = Path(__file__).parents[2] / "deploy"
LIVE_PATHS = ["/live", "/p/status/live", "/p/internal-tools/live", "/admin/live"]
NOT_LIVE = ["/", "/lives", "/live/x", "/p/live", "/p/a/b/live", "/admin/x/live", "/feed.atom"]
NOT_LIVE += ["/admin/", "/admin/lives", "/api/v1/live"]


def served_address() -> str:
    unit = (DEPLOY / "hiccup.service").read_text(encoding="utf-8")
    found = re.search(r"^ExecStart=.* --host (\S+) --port (\d+)", unit, re.MULTILINE)
    assert found, "hiccup.service's ExecStart names no --host and --port"
    return f"{found.group(1)}:{found.group(2)}"


def test_nginx_sends_to_the_units_address() -> None:
    conf = (DEPLOY / "nginx" / "hiccup.conf").read_text(encoding="utf-8")
    assert re.findall(r"^\s*server (\S+);", conf, re.MULTILINE) == [served_address()]


def test_caddy_sends_to_the_units_address_everywhere() -> None:
    caddyfile = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    targets = re.findall(r"reverse_proxy (\S+)", caddyfile)
    assert targets == [served_address()] * 2


def test_caddyfile_blocks_are_closed() -> None:
    lines = [line.split("#", 1)[0] for line in (DEPLOY / "Caddyfile").read_text().splitlines()]
    depth = 0
    for line in lines:
        depth += line.count("{") - line.count("}")
        assert depth >= 0
    assert depth == 0


@pytest.mark.parametrize("path", LIVE_PATHS + NOT_LIVE)
def test_nginx_streams_exactly_the_live_paths(path: str) -> None:
    conf = (DEPLOY / "nginx" / "hiccup.conf").read_text(encoding="utf-8")
    [pattern] = re.findall(r"location ~ (\S+) \{", conf)
    assert (re.search(pattern, path) is not None) == (path in LIVE_PATHS)


def test_caddy_streams_the_live_paths_unbuffered() -> None:
    caddyfile = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    found = re.search(r"@live path (.+)$", caddyfile, re.MULTILINE)
    assert found
    assert found.group(1).split() == ["/live", "/p/*/live", "/admin/live"]
    live_block = caddyfile.split("handle @live {", 1)[1].split("handle {", 1)[0]
    assert "flush_interval -1" in live_block


@pytest.mark.skipif(not CADDY.exists(), reason="no Debian caddy")
def test_caddy_accepts_the_shipped_caddyfile(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    command = [str(CADDY), "validate", "--config", str(DEPLOY / "Caddyfile")]
    done = subprocess.run(
        [*command, "--adapter", "caddyfile"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Valid configuration" in done.stdout + done.stderr
