"""Hiccup's version, kept in one place: `version` in pyproject.toml."""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from pathlib import Path

# src/hiccup/release.py -> the checkout's root; an installed wheel has no pyproject.toml there.
_PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


def _checkout_version() -> str | None:
    try:
        project = tomllib.loads(_PYPROJECT.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return None
    found = project.get("version") if project.get("name") == "hiccup" else None
    return found if isinstance(found, str) else None


def version() -> str:
    """Run from a source checkout, its pyproject.toml wins: an editable install's metadata is
    written once at install time and goes stale when the version is raised. Installed from a
    wheel or sdist, the package metadata says it."""
    checkout = _checkout_version()
    if checkout is not None:
        return checkout
    try:
        return installed_version("hiccup")
    except PackageNotFoundError:  # copied source without pyproject.toml or metadata
        return "0+unknown"
