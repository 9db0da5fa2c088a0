"""`hiccup export`: the public site as static files, private pages left out, kept current."""

from __future__ import annotations

import gzip
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from hiccup.auth.page_access import Guard
from hiccup.snapshot.builder import render_snapshot
from hiccup.snapshot.export import MANIFEST, export_snapshot, file_for
from hiccup.snapshot.look import PageLook
from hiccup.snapshot.site import Site, SitePage
from hiccup.snapshot.site_render import render_site
from tests.support.public_fixtures import NOW
from tests.support.site_fixtures import site_state

CONFIG = """\
page: {name: Flexo Hosting, url: "https://status.example.com"}
pages:
  - name: Ops
    slug: ops
    components: [db]
    private: {password_env: HICCUP_EXPORT_TEST_PW}
  - {name: Mail, slug: mail, components: [mail]}
components:
  - {name: Web, key: web}
  - {name: Mail, key: mail}
  - {name: Database, key: db}
"""


def test_paths_map_to_files_static_hosts_look_up() -> None:
    assert file_for("/") == "index.html"
    assert file_for("/incidents/abc") == "incidents/abc/index.html"
    assert file_for("/p/ops/") == "p/ops/index.html"
    assert file_for("/p/ops") == "p/ops/index.html"
    assert file_for("/api/v2/summary.json") == "api/v2/summary.json"
    assert file_for("/badge/api/status.svg") == "badge/api/status.svg"
    assert file_for("/../etc/passwd") is None


def test_export_writes_every_public_file_with_a_gzip_twin(tmp_path: Path) -> None:
    snapshot = render_snapshot(site_state())
    report = export_snapshot(snapshot, tmp_path)
    assert (tmp_path / "index.html").read_bytes() == snapshot.assets["/"].body
    summary = tmp_path / "api/v2/summary.json"
    assert summary.read_bytes() == snapshot.assets["/api/v2/summary.json"].body
    assert gzip.decompress((tmp_path / "history.atom.gz").read_bytes()).startswith(b"<?xml")
    assert (tmp_path / "incidents/inc1/index.html").exists()
    assert (tmp_path / "static/live.js").exists()
    assert "Access-Control-Allow-Origin: *" in (tmp_path / "_headers").read_text()
    assert len(report.written) == len({file_for(p) for p in snapshot.rendered()})


def test_a_second_export_touches_only_what_changed(tmp_path: Path) -> None:
    export_snapshot(render_snapshot(site_state()), tmp_path)
    badge = tmp_path / "badge/amy/status.svg"
    os.utime(badge, (0, 0))
    report = export_snapshot(render_snapshot(site_state(open_incidents=())), tmp_path)
    assert badge.stat().st_mtime == 0
    assert "index.html" in report.written
    assert "incidents/inc1/index.html" in report.removed
    assert not (tmp_path / "incidents/inc1/index.html").exists()
    assert MANIFEST not in report.written


def test_private_pages_never_reach_the_export(tmp_path: Path) -> None:
    state = site_state()
    site = Site(
        (
            SitePage(state.page.slug, default=True),
            SitePage("ops", PageLook(prefix="/p/ops"), ("api",), guard=Guard("ops", "pw")),
        )
    )
    snapshot = render_site({state.page.slug: state, "ops": state}, site, NOW)
    export_snapshot(snapshot, tmp_path)  # even handed a private page, the export skips it
    assert not (tmp_path / "p").exists()


def test_the_command_exports_the_public_pages_of_a_real_database(tmp_path: Path) -> None:
    (tmp_path / "hiccup.yaml").write_text(CONFIG)
    env = {**os.environ, "HICCUP_DATA_DIR": str(tmp_path / "data"), "HICCUP_EXPORT_TEST_PW": "x"}
    env.pop("HICCUP_DATABASE_URL", None)
    out = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "hiccup", "export", "--out", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    page = (out / "index.html").read_text()
    assert "Flexo Hosting" in page
    assert 'data-live=""' in page  # no /live on a static host
    assert "Database" not in page  # only on the private page
    assert (out / "p/mail/index.html").exists()
    assert not (out / "p/ops").exists()
    assert "written" in result.stdout


def test_watch_keeps_the_export_current(tmp_path: Path) -> None:
    (tmp_path / "hiccup.yaml").write_text(CONFIG)
    env = {**os.environ, "HICCUP_DATA_DIR": str(tmp_path / "data"), "HICCUP_EXPORT_TEST_PW": "x"}
    env.pop("HICCUP_DATABASE_URL", None)
    out = tmp_path / "site"
    command = [
        sys.executable,
        "-m",
        "hiccup",
        "export",
        "--out",
        str(out),
        "--watch",
        "--every",
        "1",
    ]
    # A test run started in the background (`pytest … &`) inherits SIGINT ignored, and the
    # watcher would never see the Ctrl-C below: the child takes the default back.
    with subprocess.Popen(
        command,
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as watcher:
        try:
            deadline = time.monotonic() + 60
            while not (out / "index.html").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert "Major outage" not in (out / "index.html").read_text()
            with sqlite3.connect(tmp_path / "data" / "hiccup.db") as db:
                db.execute("UPDATE components SET status = 'major_outage' WHERE key = 'web'")
            while "Major outage" not in (out / "index.html").read_text():
                assert time.monotonic() < deadline, "the export did not follow the change"
                time.sleep(0.2)
        finally:
            watcher.send_signal(signal.SIGINT)
            try:
                watcher.wait(timeout=30)
            except subprocess.TimeoutExpired:
                watcher.kill()  # never hang the suite (Popen's exit waits without a limit)
                raise
