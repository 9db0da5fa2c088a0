"""deploy/Containerfile installs through scripts/setup, the same script as a checkout and the
tests, and deploy/compose.yaml builds that file (images cannot be built here)."""

from __future__ import annotations

from pathlib import Path

import yaml

DEPLOY = Path(__file__).parents[2] / "deploy"


def test_the_containerfile_installs_with_scripts_setup_and_runs_serve() -> None:
    steps = [line for line in (DEPLOY / "Containerfile").read_text().splitlines() if line]
    assert any(line.startswith("RUN scripts/setup") for line in steps)
    assert not any("pip install" in line for line in steps if line.startswith("RUN"))
    assert any(line.startswith("CMD") and '"serve"' in line for line in steps)


def test_compose_builds_the_containerfile_and_keeps_state_in_a_volume() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    hiccup = compose["services"]["hiccup"]
    assert hiccup["build"] == {"context": "..", "dockerfile": "deploy/Containerfile"}
    assert "hiccup-data:/var/lib/hiccup" in hiccup["volumes"]
