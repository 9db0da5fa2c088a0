"""`hiccup check` prints every error of a file in one run, each with file:line and field."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.config.test_all_errors import STAGED


def test_check_prints_every_error_of_every_stage_at_once(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(STAGED)
    env = {**os.environ, "HICCUP_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "250"}
    env.pop("HICCUP_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "hiccup", "check", "--config", "bad.yaml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("error ")]
    fields = [line.split(": ")[1] for line in lines]
    assert fields == [
        "page.time_zone",  # schema
        "page.components[1]",  # page references, on a page the schema refused a field of
        "components[1].descripton",
        "monitors[0].target",  # the kind's target check
        "monitors[0].interval",
        "monitors[1]",  # duplicate keys
        "monitors[1].target",
        "monitors[1].component",
        "monitors[2]",
        "monitors[2].tags",
        "monitors[3].methd",  # the kind's own fields
        "maintenance[0].components[0]",
        "notifications.alerts[0].channels",
    ]
    # Plain words, markup and all: rich must not eat "[a, b]".
    assert "bad.yaml:25: monitors[2].tags: should be a list, e.g. [a, b]" in result.stderr
