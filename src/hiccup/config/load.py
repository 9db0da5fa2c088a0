"""Reading hiccup.yaml: parse, validate across fields, and report every error with its file,
line and field."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ValidationError,
)

from hiccup.checks.registry import (
    UnknownCheckKind,
    options_model,
    target_problem,
)
from hiccup.config.channels import UnknownChannelKind
from hiccup.config.channels import options_model as channel_options_model
from hiccup.config.incident_templates import template_problems
from hiccup.config.messages import fields_at, plain_message
from hiccup.config.model import (
    HiccupConfig,
    MonitorConfig,
)
from hiccup.config.notifications import (
    dependency_problems,
    notification_problems,
)
from hiccup.config.pages import page_problems, read_css_files
from hiccup.config.yamlsource import YamlSyntaxError, line_of, load_yaml


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    path: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class ConfigError(ValueError):
    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = tuple(issues)


def _field_name(location: Sequence[int | str]) -> str:
    name = ""
    for part in location:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def _issues_from(
    error: ValidationError,
    data: Any,
    path: Path,
    prefix: tuple[Any, ...] = (),
    model: type[BaseModel] = HiccupConfig,
    beside: Sequence[str] = (),
    unknown: str | None = None,
) -> list[ConfigIssue]:
    """Each error of `error` (validating `model` at `prefix`), in plain words; `beside`: more
    field names a typo may have meant."""
    issues = []
    for item in error.errors():
        inner = tuple(p for p in item["loc"] if not str(p).startswith("function-"))
        location = prefix + inner
        if item["type"] == "extra_forbidden" and unknown is not None:
            message = unknown  # the caller knows better what fits there (a channel's fields)
        else:
            message = plain_message(item, [*fields_at(model, inner), *beside])
        issues.append(ConfigIssue(path, line_of(data, location), _field_name(location), message))
    return issues


def _kind_issues(config: HiccupConfig, data: Any, path: Path) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    for index, monitor in enumerate(config.monitors):
        where: tuple[Any, ...] = ("monitors", index)
        try:
            options_model(monitor.kind).model_validate(monitor.options)
        except UnknownCheckKind as error:
            loc = (*where, "kind")
            issues.append(ConfigIssue(path, line_of(data, loc), _field_name(loc), str(error)))
        except ValidationError as error:
            common = list(MonitorConfig.model_fields)
            kind_model = options_model(monitor.kind)
            issues += _issues_from(error, data, path, where, kind_model, common)
        problem = target_problem(monitor.kind, monitor.target)
        if problem is not None:
            loc = (*where, "target")
            line = line_of(data, loc) if monitor.target.strip() else line_of(data, where)
            issues.append(ConfigIssue(path, line, _field_name(loc), problem))
    return issues


def _channel_issues(config: HiccupConfig, data: Any, path: Path) -> list[ConfigIssue]:
    """Each channel's own fields, checked by its kind's options model (config/channels.py)."""
    issues: list[ConfigIssue] = []
    for index, channel in enumerate(config.notifications.channels):
        where: tuple[Any, ...] = ("notifications", "channels", index)
        try:
            model = channel_options_model(channel.kind)
            model.model_validate(channel.options)
        except UnknownChannelKind as error:
            loc = (*where, "kind")
            issues.append(ConfigIssue(path, line_of(data, loc), _field_name(loc), str(error)))
        except ValidationError as error:
            fields = ", ".join(model.model_fields)
            unknown = f"unknown field for a {channel.kind} channel (its fields: {fields})"
            issues += _issues_from(error, data, path, where, model, unknown=unknown)
    return issues


def _duplicates(keys: list[str]) -> set[str]:
    return {key for key, seen in Counter(keys).items() if seen > 1}


def _reference_issues(config: HiccupConfig, data: Any, path: Path) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    component_keys = [c.slug for c, _ in config.all_components()]
    for key in sorted(_duplicates(component_keys)):
        issues.append(
            ConfigIssue(
                path,
                line_of(data, ("components",)),
                "components",
                f"two components share the key {key!r}; give one a distinct `key`",
            )
        )
    shared_keys = _duplicates([m.slug for m in config.monitors])  # once: files hold thousands
    for index, monitor in enumerate(config.monitors):
        loc: tuple[Any, ...] = ("monitors", index)
        if monitor.slug in shared_keys:
            issues.append(
                ConfigIssue(
                    path,
                    line_of(data, loc),
                    _field_name(loc),
                    f"two monitors share the key {monitor.slug!r}; give one a distinct `key`",
                )
            )
        if monitor.component is not None and monitor.component not in component_keys:
            loc = (*loc, "component")
            known = ", ".join(component_keys) or "none"
            issues.append(
                ConfigIssue(
                    path,
                    line_of(data, loc),
                    _field_name(loc),
                    f"no component with key {monitor.component!r} (known: {known})",
                )
            )
    return issues


def _maintenance_issues(config: HiccupConfig, data: Any, path: Path) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    known = [c.slug for c, _ in config.all_components()]
    for index, window in enumerate(config.maintenance):
        for position, key in enumerate(window.components):
            if key not in known:
                loc: tuple[Any, ...] = ("maintenance", index, "components", position)
                message = f"no component with key {key!r} (known: {', '.join(known) or 'none'})"
                issues.append(ConfigIssue(path, line_of(data, loc), _field_name(loc), message))
    slugs = [w.slug for w in config.maintenance]
    for key in sorted(_duplicates(slugs)):
        loc = ("maintenance",)
        message = f"two maintenance windows share the key {key!r}; give one a distinct `key`"
        issues.append(ConfigIssue(path, line_of(data, loc), "maintenance", message))
    return issues


def _notification_issues(config: HiccupConfig, data: Any, path: Path) -> list[ConfigIssue]:
    monitor_keys = {m.slug for m in config.monitors}
    component_keys = {c.slug for c, _ in config.all_components()}
    problems = notification_problems(config.notifications, monitor_keys, component_keys)
    problems += dependency_problems([(m.slug, m.depends_on) for m in config.monitors])
    return [
        ConfigIssue(path, line_of(data, loc), _field_name(loc), message)
        for loc, message in problems
    ]


def parse_config(text: str, path: Path) -> HiccupConfig:
    try:
        data = load_yaml(text, path)
    except YamlSyntaxError as error:
        raise ConfigError([ConfigIssue(path, error.line, "", error.message)]) from None
    if not isinstance(data, dict):
        raise ConfigError(
            [
                ConfigIssue(
                    path, 1, "", "expected a mapping with `page`, `components` and `monitors`"
                )
            ]
        )
    try:
        config = HiccupConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_issues_from(error, data, path)) from None
    issues = _kind_issues(config, data, path) + _reference_issues(config, data, path)
    issues += _maintenance_issues(config, data, path) + _channel_issues(config, data, path)
    issues += _notification_issues(config, data, path)
    config, problems = read_css_files(config, path.parent)
    problems += page_problems(config)
    keys = [c.slug for c, _ in config.all_components()]
    problems += template_problems(config.incident_templates, keys)
    issues += [ConfigIssue(path, line_of(data, loc), _field_name(loc), m) for loc, m in problems]
    if issues:
        raise ConfigError(issues)
    return config


def load_config(path: Path) -> HiccupConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError([ConfigIssue(path, 0, "", f"cannot read: {error.strerror}")]) from None
    return parse_config(text, path)
