"""`hiccup import …` end to end: the file is written and passes `hiccup check`; what did not
map is listed; bad input fails with the file and place named; Statuspage history lands in a
real SQLite database."""

from __future__ import annotations

import json
import sqlite3
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from hiccup.cli import import_run as imports
from hiccup.cli.main import app
from tests.importers.support import FIXTURES, STATUSPAGE, build_kuma_db, statuspage_api

WIDE = {"COLUMNS": "250"}


def _run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=WIDE)


def _checks(path: Path) -> str:
    checked = _run("check", "--config", str(path))
    assert checked.exit_code == 0, checked.output
    return checked.output


def test_uptime_kuma_writes_a_config_that_passes_check(tmp_path: Path) -> None:
    out = tmp_path / "hiccup.yaml"
    result = _run("import", "uptime-kuma", str(build_kuma_db(tmp_path / "kuma.db")), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out}: 7 components, 6 monitors, 3 maintenance windows" in result.output
    assert "Could not map (8):" in result.output
    assert (
        "monitor 'Search (Elastic)' (id 5): type 'docker' has no Hiccup check kind" in result.output
    )
    assert "page 'Acme Status', 7 components, 6 monitors" in _checks(out)


def test_an_existing_file_is_kept_without_force(tmp_path: Path) -> None:
    out = tmp_path / "hiccup.yaml"
    out.write_text("# mine\n")
    backup = str(FIXTURES / "kuma-backup.json")
    refused = _run("import", "uptime-kuma", backup, "--out", str(out))
    assert refused.exit_code == 1
    assert "exists already; pass --force" in refused.output
    assert out.read_text() == "# mine\n"
    forced = _run("import", "uptime-kuma", backup, "--out", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    _checks(out)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all", "kuma.json:1:1: not JSON (Expecting value)"),
        (json.dumps({"version": "2.0.0-beta.1", "monitorList": []}), "version: '2.0.0-beta.1'"),
        (json.dumps({"version": "1.23.0", "monitorList": {}}), "monitorList: expected a list"),
    ],
)
def test_bad_kuma_input_fails_naming_the_file(tmp_path: Path, content: str, message: str) -> None:
    source = tmp_path / "kuma.json"
    source.write_text(content)
    result = _run("import", "uptime-kuma", str(source), "-o", str(tmp_path / "out.yaml"))
    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "out.yaml").exists()


def test_gatus_writes_a_config_that_passes_check(tmp_path: Path) -> None:
    out = tmp_path / "hiccup.yaml"
    result = _run("import", "gatus", str(FIXTURES / "gatus.yaml"), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "gatus.yaml:79 endpoints[6] 'ssh': ssh endpoints have no Hiccup check kind" in (
        result.output
    )
    assert "Mapped with a difference (3):" in result.output
    _checks(out)


def test_a_long_gatus_import_maps_every_endpoint(tmp_path: Path) -> None:
    source = tmp_path / "config.yaml"
    lines = ["endpoints:"]
    for n in range(120):  # above PROGRESS_FROM: the bar's path runs
        lines += [f"  - name: svc-{n}", f"    url: https://svc{n}.example.com/health"]
        lines += ["    conditions:", '      - "[STATUS] == 200"']
    source.write_text("\n".join(lines) + "\n")
    out = tmp_path / "hiccup.yaml"
    result = _run("import", "gatus", str(source), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "120 components, 120 monitors" in result.output
    assert "Could not map" not in result.output


def test_statuspage_history_is_recorded_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HICCUP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("HICCUP_DATABASE_URL", raising=False)
    out = tmp_path / "hiccup.yaml"
    with statuspage_api() as url:
        first = _run("import", "statuspage", url, "-o", str(out), "--history")
        again = _run("import", "statuspage", url, "-o", str(out), "--history", "--force")
    assert first.exit_code == 0, first.output
    assert "recorded 3 incident(s)" in first.output
    assert again.exit_code == 0, again.output
    assert "recorded 0 incident(s)" in again.output
    assert "(3 already there)" in again.output
    _checks(out)
    db = sqlite3.connect(tmp_path / "data" / "hiccup.db")
    try:
        rows = db.execute(
            "SELECT name, status, impact, started_at, resolved_at, postmortem IS NOT NULL "
            "FROM incidents ORDER BY started_at"
        ).fetchall()
        updates = db.execute(
            "SELECT i.name, u.status, u.body FROM incident_updates u "
            "JOIN incidents i ON i.id = u.incident_id ORDER BY u.created_at"
        ).fetchall()
        linked = db.execute(
            "SELECT i.name, c.key FROM incident_components ic JOIN incidents i ON i.id = "
            "ic.incident_id JOIN components c ON c.id = ic.component_id ORDER BY i.name"
        ).fetchall()
        queued = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    finally:
        db.close()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("Delayed webhooks", "resolved", "none"),
        ("Dashboard login failures", "postmortem", "major"),
        ("Elevated GraphQL latency", "identified", "minor"),
    ]
    assert rows[1][4] is not None
    assert rows[1][5] == 1
    assert rows[2][4] is None
    assert [u[1] for u in updates if u[0] == "Dashboard login failures"] == [
        "investigating",
        "monitoring",
        "resolved",
    ]
    assert linked == [
        ("Dashboard login failures", "dashboard"),
        ("Elevated GraphQL latency", "graphql-api"),
    ]
    assert queued == 0  # history tells no subscriber


def test_statuspage_without_history_says_how_to_record_it(tmp_path: Path) -> None:
    out = tmp_path / "hiccup.yaml"
    result = _run("import", "statuspage", str(STATUSPAGE / "summary.json"), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "1 incident(s) not recorded: rerun with --history" in result.output
    _checks(out)


def test_an_unreachable_statuspage_fails_naming_the_address(tmp_path: Path) -> None:
    with statuspage_api() as url:
        pass  # stopped: nothing listens there any more
    result = _run("import", "statuspage", url, "-o", str(tmp_path / "hiccup.yaml"))
    assert result.exit_code == 1
    assert f"{url}/api/v2/summary.json: cannot fetch" in result.output
    assert not (tmp_path / "hiccup.yaml").exists()


def test_history_into_an_unreachable_database_fails_after_writing_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with statuspage_api() as url:
        pass  # a closed loopback port: nothing answers there
    port = url.rsplit(":", 1)[1]
    monkeypatch.setenv("HICCUP_DATABASE_URL", f"postgresql://hiccup:secret@127.0.0.1:{port}/x")
    out = tmp_path / "hiccup.yaml"
    result = _run(
        "import", "statuspage", str(STATUSPAGE / "summary.json"), "-o", str(out), "--history"
    )
    assert result.exit_code == 1
    assert f"127.0.0.1:{port}/x: cannot record the incidents ({out} is written)" in result.output
    assert "secret" not in result.output
    _checks(out)


def test_the_progress_bar_shows_for_long_imports_only(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = StringIO()
    monkeypatch.setattr(imports, "errors", Console(file=screen, force_terminal=True, width=100))
    with imports._progress("endpoints") as tick:
        for done in range(1, 10):
            tick(done, 9)  # short: no bar
    assert screen.getvalue() == ""
    with imports._progress("endpoints") as tick:
        for done in range(1, imports.PROGRESS_FROM + 1):
            tick(done, imports.PROGRESS_FROM)
    assert f"{imports.PROGRESS_FROM}/{imports.PROGRESS_FROM}" in screen.getvalue()
