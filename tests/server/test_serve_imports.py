"""A running `hiccup serve` whose one HTTP monitor is up has not imported the libraries that
only some servers need: they are imported when first used (the first notification, mail,
DNS monitor, /metrics scrape, Markdown, recurring window, feed or calendar request; watchfiles,
which granian imports whenever it is installed, is not installed at all; SQLAlchemy's
PostgreSQL dialect in a SQLite server; rich, which only the other commands print with), and
some are never imported by a server (SQLAlchemy's ORM, which `sqlalchemy.ext.asyncio` brings
along: hiccup.store.asyncio_engine stands in for it). Each costs
memory in every server otherwise (issue #18: RSS <= 120 MB at 1,000 monitors).

The server runs as users run it, through a test-only wrapper that writes `sorted(sys.modules)`
to a file when the test asks (a file appearing in its working directory).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx

from tests.support.serve_process import HiccupServe
from tests.support.targets import HttpTarget

# Top-level packages a server loads only on first use.
DEFERRED = (
    "aiohttp",
    "aiosmtplib",
    "dns",
    "prometheus_client",
    "markdown_it",
    "nh3",
    "watchfiles",
    "dateutil",
    "feedgen",
    "lxml",
    "icalendar",
    "rich",
)

WRAPPER = """\
import os, pathlib, runpy, sys, threading, time

def dump():
    while not pathlib.Path("modules.ask").exists():
        time.sleep(0.05)
    pathlib.Path("modules.tmp").write_text("\\n".join(sorted(sys.modules)))
    os.replace("modules.tmp", "modules.txt")

threading.Thread(target=dump, daemon=True).start()
sys.argv = ["hiccup", *sys.argv[1:]]
runpy.run_module("hiccup", run_name="__main__", alter_sys=True)
"""

CONFIG = """\
page: {{name: Flexo Hosting, time_zone: UTC, publish_after: 0s}}
components:
  - {{name: flexo, key: flexo}}
monitors:
  - {{name: flexo, kind: http, target: "{url}", component: flexo, interval: 1s, timeout: 1s}}
"""


async def _operational(client: httpx.AsyncClient, seconds: float = 30) -> None:
    """The monitor's first result is recorded and a snapshot showing it was built."""
    async with asyncio.timeout(seconds):
        while True:
            reply = await client.get("/api/v2/components.json")
            if reply.status_code == 200 and reply.json()["components"][0]["status"] == (
                "operational"
            ):
                return
            await asyncio.sleep(0.1)


async def _modules(workdir: Path, seconds: float = 10) -> set[str]:
    (workdir / "modules.ask").touch()
    async with asyncio.timeout(seconds):
        # Polling is the point: the answer is a file another process writes.
        while not (workdir / "modules.txt").exists():  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    return set((workdir / "modules.txt").read_text().split())


async def test_a_server_checking_one_http_monitor_has_not_imported_the_deferred_libraries(
    tmp_path: Path, http_target: HttpTarget
) -> None:
    served = HiccupServe(tmp_path, program=(sys.executable, "-c", WRAPPER))
    served.write_config(CONFIG.format(url=http_target.url))
    with served.serving():
        async with httpx.AsyncClient(base_url=served.base, timeout=5) as client:
            await _operational(client)
        loaded = await _modules(tmp_path)
    assert "hiccup.checks.http" in loaded  # the wrapper saw the running server
    tops = {name.split(".")[0] for name in loaded}
    assert sorted(tops & set(DEFERRED)) == []
    # Hiccup's own importers are only `hiccup import`'s (hiccup.cli.import_run).
    assert sorted(name for name in loaded if name.startswith("hiccup.importers")) == []
    # A SQLite server has no use for SQLAlchemy's PostgreSQL dialect (hiccup.store.upsert).
    assert (
        sorted(name for name in loaded if name.startswith("sqlalchemy.dialects.postgresql")) == []
    )
    # Core only: `sqlalchemy.ext.asyncio` would bring the ORM (about 7 MB of the server).
    assert (
        sorted(name for name in loaded if name.startswith(("sqlalchemy.orm", "sqlalchemy.ext")))
        == []
    )
