"""Check kinds by name, and the set of live check instances the engine runs them through.

A kind registers itself with `@register` when its module is imported; adding a kind is one
module plus one line in `_BUILTIN`. Nothing else dispatches on the kind, so there is no
if/else chain on URL schemes to keep in step.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Iterable
from typing import TypeVar

from pydantic import ValidationError

from hiccup.checks.base import Check, CheckOptions, CheckResult
from hiccup.core.monitors import MonitorSpec
from hiccup.core.wording import TroubleKind

log = logging.getLogger(__name__)

_BUILTIN = (
    "hiccup.checks.http",
    "hiccup.checks.tcp",
    "hiccup.checks.dns",
    "hiccup.checks.tls",
    "hiccup.checks.icmp",
    "hiccup.checks.heartbeat",
)

_KINDS: dict[str, type[Check]] = {}

C = TypeVar("C", bound=type[Check])


class UnknownCheckKind(ValueError):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        known = ", ".join(check_kinds()) or "none"
        super().__init__(f"unknown check kind {kind!r} (known kinds: {known})")


def register(cls: C) -> C:
    """Class decorator: make `cls` the check for `cls.kind`."""
    existing = _KINDS.get(cls.kind)
    if existing is not None and existing is not cls:
        raise ValueError(f"check kind {cls.kind!r} is already registered by {existing!r}")
    _KINDS[cls.kind] = cls
    return cls


def check_kinds() -> tuple[str, ...]:
    _load_builtin()
    return tuple(sorted(_KINDS))


def check_class(kind: str) -> type[Check]:
    _load_builtin()
    try:
        return _KINDS[kind]
    except KeyError:
        raise UnknownCheckKind(kind) from None


def options_model(kind: str) -> type[CheckOptions]:
    return check_class(kind).options_model


def default_failure_threshold(kind: str) -> int:
    """Failed results in a row before down when the config does not say; kinds may differ."""
    try:
        return int(getattr(check_class(kind), "default_failure_threshold", 3))
    except UnknownCheckKind:
        return 3


def target_problem(kind: str, target: str) -> str | None:
    """What is wrong with a monitor's target for its kind; None when it is fine (or the kind
    is unknown, which is reported on its own)."""
    try:
        check = check_class(kind)
    except UnknownCheckKind:
        return None
    if not target.strip():
        return "is required" if check.scheduled else None
    return check.target_problem(target)


def trouble_kind(kind: str) -> TroubleKind:
    """Which words fit this kind's trouble (hiccup.core.wording); an outage's if it does not say."""
    try:
        return TroubleKind(getattr(check_class(kind), "trouble", TroubleKind.OUTAGE))
    except UnknownCheckKind:
        return TroubleKind.OUTAGE


def default_public(kind: str) -> bool:
    """Whether a monitor of this kind shows on the page when the config does not say."""
    try:
        return bool(getattr(check_class(kind), "public_by_default", True))
    except UnknownCheckKind:
        return True


def is_scheduled(kind: str) -> bool:
    """Whether the scheduler runs this kind; an unknown kind is, so its error is reported."""
    try:
        return check_class(kind).scheduled
    except UnknownCheckKind:
        return True


def scheduled_only(specs: Iterable[MonitorSpec]) -> list[MonitorSpec]:
    """The monitors the server's scheduler should run: heartbeats wait for pings instead, and
    monitors placed only on remote probes (`probes: [eu]`) are run by those probes."""
    return [spec for spec in specs if is_scheduled(spec.kind) and spec.runs_locally]


def invalid_options(exc: ValidationError) -> str:
    """One line naming each bad field, short enough for a result's error text."""
    parts = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "options"
        parts.append(f"{field}: {error['msg']}")
    return "invalid options: " + "; ".join(parts)


class CheckSet:
    """One instance per kind, created on first use so unused kinds hold no sessions."""

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def _check(self, kind: str) -> Check:
        check = self._checks.get(kind)
        if check is None:
            check = self._checks[kind] = check_class(kind)()
        return check

    async def run(self, spec: MonitorSpec) -> CheckResult:
        """Dispatch by kind; like every check, never raises (except on cancellation)."""
        try:
            check = self._check(spec.kind)
        except UnknownCheckKind as exc:
            return CheckResult(ok=False, error=str(exc))
        try:
            return await check.run(spec)
        except Exception as exc:
            # A bug in one kind must not take the engine down; the result makes it visible.
            log.exception("check %r of monitor %r crashed", spec.kind, spec.id)
            return CheckResult(ok=False, error=f"internal error: {type(exc).__name__}")

    async def close(self) -> None:
        checks, self._checks = list(self._checks.values()), {}
        for check in checks:
            try:
                await check.close()
            except Exception:
                log.exception("closing check %r failed", check.kind)


@functools.cache
def _load_builtin() -> None:
    # On first lookup, not at import: the kinds import this module to register themselves,
    # and loading them from here at import time would make that a cycle.
    for module in _BUILTIN:
        importlib.import_module(module)
