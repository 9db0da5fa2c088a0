"""The release as users get it: an sdist and a wheel built once per session into a temp dir,
and the wheel installed into a fresh venv, away from this checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@dataclass(frozen=True)
class Release:
    sdist: Path
    wheel: Path
    venv: Path
    workdir: Path  # an empty cwd: nothing of the checkout is importable from it

    def env(self) -> dict[str, str]:
        """This machine's environment without anything pointing back at the checkout."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "HICCUP_"))}
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["HICCUP_DATA_DIR"] = str(self.workdir / "data")
        return env

    def hiccup(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = [str(self.venv / "bin" / "hiccup"), *args]
        return subprocess.run(
            command,
            cwd=self.workdir,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _run(command: list[str], cwd: Path, timeout: float) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, (
        f"{command[:4]} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    )


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    base = tmp_path_factory.mktemp("release")
    dist = base / "dist"
    # An isolated build, as a user's `python -m build` runs it; pip's index serves setuptools.
    _run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], base, 300)
    venv = base / "venv"
    # Without its own pip (ensurepip costs ~10 s): this pip installs into it with --python.
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], base, 120)
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    # The exact pins, as scripts/setup installs them; pip's cache makes a rerun quick.
    pins = ["--constraint", str(ROOT / "requirements.txt")]
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install"]
    quiet = ["--quiet", "--disable-pip-version-check", "--no-compile"]
    _run([*pip, *quiet, *pins, str(wheel)], base, 600)
    workdir = base / "work"
    workdir.mkdir()
    return Release(sdist, wheel, venv, workdir)
