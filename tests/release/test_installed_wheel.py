"""The built wheel carries everything beside the code, and installed into a fresh venv it
initialises, validates a config and serves the page, with no checkout on the path."""

from __future__ import annotations

import re
import signal
import subprocess
import tarfile
import tomllib
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.release.conftest import ROOT, Release
from tests.support.serve_process import HiccupServe

pytestmark = pytest.mark.release

PACKAGE = ROOT / "src" / "hiccup"


def data_files() -> set[str]:
    """Every file of the package that is not Python code: templates, static files, resources."""
    return {
        f"hiccup/{p.relative_to(PACKAGE).as_posix()}"
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    }


def test_the_wheel_and_sdist_carry_templates_static_files_and_migrations(
    release: Release,
) -> None:
    wheel = set(zipfile.ZipFile(release.wheel).namelist())
    missing = data_files() - wheel
    assert not missing, sorted(missing)
    assert any(re.fullmatch(r"hiccup/store/migrations/versions/.+\.py", n) for n in wheel)
    assert not any("__pycache__" in n for n in wheel)
    with tarfile.open(release.sdist) as sdist:
        names = {n.partition("/")[2] for n in sdist.getnames()}
    assert {f"src/{name}" for name in data_files()} <= names


def test_the_installed_command_reports_the_projects_version(release: Release) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    done = release.hiccup("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"hiccup {version}"


def test_the_installed_wheel_initialises_checks_and_serves(release: Release) -> None:
    done = release.hiccup("init")
    assert done.returncode == 0, done.stderr
    assert (release.workdir / "hiccup.yaml").exists()
    done = release.hiccup("check")
    assert done.returncode == 0, done.stderr
    assert "ok" in done.stdout
    program = (str(release.venv / "bin" / "hiccup"),)
    served = HiccupServe(release.workdir, program=program, env=release.env(), inherit_env=False)
    with served.serving():
        page = httpx.get(served.base + "/", timeout=5)
        assert page.status_code == 200
        assert "<html" in page.text.lower()
        assert httpx.get(served.base + "/admin/login", timeout=5).status_code in (200, 303)
        served.send(signal.SIGTERM)
        assert served.exit_code(timeout=20) == 0


def test_nothing_of_the_checkout_was_imported(release: Release) -> None:
    code = "import hiccup, sys; print(hiccup.__file__)"
    python = release.venv / "bin" / "python"
    done = subprocess.run(
        [str(python), "-c", code],
        cwd=release.workdir,
        env=release.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(done.stdout.strip()).is_relative_to(release.venv)
