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
from hiccup.config.parts import Location, Parts, validate_in_parts, whole
from hiccup.config.site import Problem
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


def _monitor_problems(
    kind: str, options: dict[str, Any], target: Any, where: Location
) -> list[tuple[Location, str | ValidationError]]:
    """A monitor's kind, its kind's own fields and its target, checked by the kind's class."""
    problems: list[tuple[Location, str | ValidationError]] = []
    try:
        options_model(kind).model_validate(options)
    except UnknownCheckKind as error:
        problems.append(((*where, "kind"), str(error)))
    except ValidationError as error:
        problems.append((where, error))
    problem = target_problem(kind, target) if isinstance(target, str) else None
    if problem is not None:
        problems.append(((*where, "target"), problem))
    return problems


def _kind_issues(config: HiccupConfig, parts: Parts, data: Any, path: Path) -> list[ConfigIssue]:
    common = list(MonitorConfig.model_fields)
    checked = [
        (parts.in_file(("monitors", i)), m.kind, m.options, m.target)
        for i, m in enumerate(config.monitors)
    ]
    # The monitors the schema refused still get their kind's checks, so no error waits.
    for index, item in parts.raw_items(("monitors",), data):
        if isinstance(item, dict) and isinstance(item.get("kind"), str):
            options = {k: v for k, v in item.items() if k not in common}
            checked.append((("monitors", index), item["kind"], options, item.get("target", "")))
    issues: list[ConfigIssue] = []
    for where, kind, options, target in checked:
        for loc, problem in _monitor_problems(kind, options, target, where):
            if isinstance(problem, ValidationError):
                kind_model = options_model(kind)
                issues += _issues_from(problem, data, path, loc, kind_model, common)
            else:
                issues.append(ConfigIssue(path, line_of(data, loc), _field_name(loc), problem))
    return issues


def _channel_issues(config: HiccupConfig, parts: Parts, data: Any, path: Path) -> list[ConfigIssue]:
    """Each channel's own fields, checked by its kind's options model (config/channels.py)."""
    where_list: tuple[str, ...] = ("notifications", "channels")
    checked = [
        (parts.in_file((*where_list, i)), c.kind, c.options)
        for i, c in enumerate(config.notifications.channels)
    ]
    for index, item in parts.raw_items(where_list, data):
        if isinstance(item, dict) and isinstance(item.get("kind"), str):
            options = {k: v for k, v in item.items() if k not in ("key", "kind")}
            checked.append(((*where_list, index), item["kind"], options))
    issues: list[ConfigIssue] = []
    for where, kind, options in checked:
        try:
            model = channel_options_model(kind)
            model.model_validate(options)
        except UnknownChannelKind as error:
            loc = (*where, "kind")
            issues.append(ConfigIssue(path, line_of(data, loc), _field_name(loc), str(error)))
        except ValidationError as error:
            fields = ", ".join(model.model_fields)
            unknown = f"unknown field for a {kind} channel (its fields: {fields})"
            issues += _issues_from(error, data, path, where, model, unknown=unknown)
    return issues


def _duplicates(keys: list[str]) -> set[str]:
    return {key for key, seen in Counter(keys).items() if seen > 1}


def _reference_problems(config: HiccupConfig) -> list[Problem]:
    problems: list[Problem] = []
    component_keys = [c.slug for c, _ in config.all_components()]
    for key in sorted(_duplicates(component_keys)):
        message = f"two components share the key {key!r}; give one a distinct `key`"
        problems.append((("components",), message))
    shared_keys = _duplicates([m.slug for m in config.monitors])  # once: files hold thousands
    for index, monitor in enumerate(config.monitors):
        loc: Location = ("monitors", index)
        if monitor.slug in shared_keys:
            message = f"two monitors share the key {monitor.slug!r}; give one a distinct `key`"
            problems.append((loc, message))
        if monitor.component is not None and monitor.component not in component_keys:
            known = ", ".join(component_keys) or "none"
            message = f"no component with key {monitor.component!r} (known: {known})"
            problems.append(((*loc, "component"), message))
    return problems


def _maintenance_problems(config: HiccupConfig) -> list[Problem]:
    problems: list[Problem] = []
    known = [c.slug for c, _ in config.all_components()]
    for index, window in enumerate(config.maintenance):
        for position, key in enumerate(window.components):
            if key not in known:
                message = f"no component with key {key!r} (known: {', '.join(known) or 'none'})"
                problems.append((("maintenance", index, "components", position), message))
    for key in sorted(_duplicates([w.slug for w in config.maintenance])):
        message = f"two maintenance windows share the key {key!r}; give one a distinct `key`"
        problems.append((("maintenance",), message))
    return problems


def _notification_problems(config: HiccupConfig) -> list[Problem]:
    monitor_keys = {m.slug for m in config.monitors}
    component_keys = {c.slug for c, _ in config.all_components()}
    problems = notification_problems(config.notifications, monitor_keys, component_keys)
    return problems + dependency_problems([(m.slug, m.depends_on) for m in config.monitors])


def _validate(data: Any, path: Path) -> tuple[HiccupConfig | None, Parts, list[ConfigIssue]]:
    """The schema's errors, every one, and the config of the parts it accepted."""
    try:
        return HiccupConfig.model_validate(data), whole(data), []
    except ValidationError as error:
        issues = _issues_from(error, data, path)
    validated = validate_in_parts(data)
    if validated is None:
        return None, whole(data), issues
    return validated[0], validated[1], issues


def _issue_order(issue: ConfigIssue) -> int:
    return issue.line


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
    config, parts, issues = _validate(data, path)
    if config is None:
        raise ConfigError(issues)
    issues += _kind_issues(config, parts, data, path) + _channel_issues(config, parts, data, path)
    config, problems = read_css_files(config, path.parent)
    problems += _reference_problems(config) + _maintenance_problems(config)
    problems += _notification_problems(config) + page_problems(config)
    keys = [c.slug for c, _ in config.all_components()]
    problems += template_problems(config.incident_templates, keys)
    for loc, message in problems:
        if parts.names_set_aside(message):
            continue  # an item the schema refused may have had that key; its errors are out
        loc = parts.in_file(loc)
        issues.append(ConfigIssue(path, line_of(data, loc), _field_name(loc), message))
    if issues:
        # In the file's order, so the reader walks down it once.
        raise ConfigError(sorted(_unique(issues), key=_issue_order))
    return config


def _unique(issues: list[ConfigIssue]) -> list[ConfigIssue]:
    return list(dict.fromkeys(issues))


def load_config(path: Path) -> HiccupConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError([ConfigIssue(path, 0, "", f"cannot read: {error.strerror}")]) from None
    return parse_config(text, path)
