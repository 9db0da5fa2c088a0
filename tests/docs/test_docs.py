"""Every setting, CLI command and public route is documented (datasette's test_docs idea)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from hiccup.checks.registry import check_kinds, options_model
from hiccup.cli.main import app
from hiccup.config.incident_templates import IncidentTemplateConfig
from hiccup.config.metrics import MetricsConfig
from hiccup.config.model import (
    ComponentConfig,
    HttpConfig,
    MaintenanceConfig,
    MonitorConfig,
    PageConfig,
)
from hiccup.config.site import FooterLink, PrivateConfig
from hiccup.snapshot.builder import JSON_DOCUMENTS

DOCS = Path(__file__).parents[2] / "docs"


def documented_fields(page: str) -> set[str]:
    text = (DOCS / page).read_text()
    return set(re.findall(r"^\| `([a-z_]+)` \|", text, re.MULTILINE))


@pytest.mark.parametrize(
    "model",
    [
        PageConfig,
        ComponentConfig,
        MonitorConfig,
        MaintenanceConfig,
        IncidentTemplateConfig,
        FooterLink,
        PrivateConfig,
        HttpConfig,
        MetricsConfig,
    ],
)
def test_every_config_field_is_documented(model: type[BaseModel]) -> None:
    missing = set(model.model_fields) - documented_fields("configuration.md")
    assert not missing, f"undocumented in docs/configuration.md: {sorted(missing)}"


@pytest.mark.parametrize("kind", check_kinds())
def test_every_check_kind_and_option_is_documented(kind: str) -> None:
    text = (DOCS / "configuration.md").read_text()
    assert f"### `{kind}` options" in text
    missing = set(options_model(kind).model_fields) - documented_fields("configuration.md")
    assert not missing, f"undocumented {kind} options: {sorted(missing)}"


def test_every_cli_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text()
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    assert names
    for name in names:
        assert f"## `hiccup {name}`" in text


def test_every_public_route_is_documented() -> None:
    text = (DOCS / "api.md").read_text()
    for path in ["/", "/healthz", "/metrics", *JSON_DOCUMENTS]:
        assert f"`GET {path}`" in text


def test_every_environment_variable_is_documented() -> None:
    source = "\n".join(p.read_text() for p in (Path(__file__).parents[2] / "src").rglob("*.py"))
    text = (DOCS / "install.md").read_text()
    for name in set(re.findall(r"\"(HICCUP_[A-Z_]+)\"", source)):
        assert f"`{name}`" in text, name


def test_every_exposed_metric_is_documented() -> None:
    text = (DOCS / "metrics.md").read_text()
    server = Path(__file__).parents[2] / "src/hiccup/server"
    source = "".join(p.read_text() for p in server.glob("*.py"))
    names = set(re.findall(r'"(hiccup_[a-z_]+)"', source))
    assert names
    for name in names:
        assert f"`{name}" in text, name
