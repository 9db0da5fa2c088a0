"""One version, pyproject.toml's, everywhere: the package, `hiccup --version`, user agents."""

from __future__ import annotations

import tomllib
from pathlib import Path

from typer.testing import CliRunner

import hiccup
from hiccup.cli.main import app

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


def project_version() -> str:
    version: str = tomllib.loads(PYPROJECT.read_text())["project"]["version"]
    return version


def test_a_source_checkout_reports_the_version_in_pyproject() -> None:
    assert hiccup.__version__ == project_version()


def test_hiccup_version_prints_it_and_exits() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"hiccup {project_version()}"
