"""deploy/hiccup.service is a valid, hardened unit (systemd-analyze verify, no warnings)."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

UNIT = Path(__file__).parents[2] / "deploy" / "hiccup.service"
EXECUTABLE = "/opt/hiccup/.venv/bin/hiccup"


def service_section() -> dict[str, str]:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text())
    return dict(parser["Service"])


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is absent (Debian package systemd; scripts/system-deps installs it)",
)
def test_systemd_analyze_verifies_the_unit_without_a_warning(tmp_path: Path) -> None:
    # verify also checks that ExecStart exists: point it at a stand-in, the rest unchanged.
    stand_in = tmp_path / "hiccup"
    stand_in.write_text("#!/bin/sh\n")
    stand_in.chmod(0o755)
    text = UNIT.read_text()
    assert text.count(EXECUTABLE) == 1
    unit = tmp_path / "hiccup.service"
    unit.write_text(text.replace(EXECUTABLE, str(stand_in)))
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Unknown or misspelt keys are only warnings (exit 0): any output fails the test.
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_the_unit_runs_hardened_as_its_own_user_with_state_in_its_state_directory() -> None:
    service = service_section()
    expected = {
        "User": "hiccup",
        "StateDirectory": "hiccup",
        "Environment": "HICCUP_DATA_DIR=/var/lib/hiccup",
        "Restart": "on-failure",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "NoNewPrivileges": "yes",
    }
    assert {k: service.get(k) for k in expected} == expected
    assert service["ExecStart"].startswith(f"{EXECUTABLE} serve ")
