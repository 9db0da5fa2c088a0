"""The operator side is documented: every sub-command, every /api/v1 operation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hiccup.cli.main import app
from hiccup.manage.context import Ops
from hiccup.web.api.app import create_api

DOCS = Path(__file__).parents[2] / "docs"


def _subcommands() -> list[str]:
    found = []
    for group in app.registered_groups:
        assert group.typer_instance is not None
        for command in group.typer_instance.registered_commands:
            found.append(f"hiccup {group.name} {command.name}")
    return found


@pytest.mark.parametrize("command", _subcommands())
def test_every_subcommand_is_documented(command: str) -> None:
    text = (DOCS / "cli.md").read_text()
    assert f"### `{command}`" in text
    assert f"## `{' '.join(command.split()[:2])}`" in text


def test_every_api_operation_is_documented() -> None:
    text = (DOCS / "api-v1.md").read_text()
    document = create_api(Ops(None, None)).openapi()  # type: ignore[arg-type]
    for path, operations in document["paths"].items():
        documented = re.sub(r"\{[a-z_]+\}", "{id}", path)
        for method in operations:
            assert f"{method.upper()} {documented}`" in text, f"{method.upper()} {path}"
