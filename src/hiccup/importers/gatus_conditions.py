"""Gatus conditions → Hiccup's check options, one condition at a time.

A condition Hiccup has no way to judge raises `Unmapped` with the reason; one that maps with
a difference returns a note saying what differs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from hiccup.core.durations import format_duration, parse_duration

_CONDITION = re.compile(r"^\s*(\S.*?)\s*(==|!=|<=|>=|<|>)\s*(.*?)\s*$")
_ANY = re.compile(r"^any\((.*)\)$")
_PATTERN = re.compile(r"^pat\((.*)\)$")


class Unmapped(ValueError):
    pass


@dataclass
class Mapped:
    options: dict[str, Any] = field(default_factory=dict)
    # Set when the condition is a certificate expiry on an HTTPS endpoint: a tls monitor.
    certificate_days: int | None = None
    note: str | None = None


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise Unmapped(f"{text!r} is not a number") from None


def _status(op: str, value: str) -> Mapped:
    if op == "==":
        found = _ANY.match(value)
        codes = [_int(v.strip()) for v in found.group(1).split(",")] if found else [_int(value)]
        return Mapped({"expected_status": codes})
    if op in ("<", "<=") and _int(value) in (300, 299, 400, 399):
        note = None if _int(value) >= 399 else "any 2xx or 3xx passes (Hiccup's default)"
        return Mapped(note=note)
    raise Unmapped(f"[STATUS] {op} {value}: only ==, any(…) and < 300/400 map")


def _keyword(op: str, value: str) -> Mapped:
    found = _PATTERN.match(value)
    text = found.group(1) if found else value
    if found:
        inner = text.strip("*")
        if not inner or any(c in inner for c in "*?"):
            raise Unmapped(f"pattern {value} is more than one piece of text")
        text, note = inner, None
    else:
        note = "an exact body match became 'the body contains it'"
    if op == "==":
        return Mapped({"keyword": text}, note=note)
    if op == "!=":
        return Mapped({"keyword_absent": text}, note=note)
    raise Unmapped(f"[BODY] {op} …: only == and != map")


def _expiry(op: str, value: str) -> Mapped:
    if op not in (">", ">="):
        raise Unmapped("[CERTIFICATE_EXPIRATION] maps only with > or >=")
    try:
        span = parse_duration(value)
    except ValueError:
        raise Unmapped(f"{value!r} is not a duration") from None
    days = max(0, math.ceil(span / timedelta(days=1)))
    note = (
        None
        if span == timedelta(days=days)
        else (f"{format_duration(span)} rounded up to {days} day(s)")
    )
    return Mapped(certificate_days=days, note=note)


def _latency(op: str, value: str) -> Mapped:
    if op not in ("<", "<="):
        raise Unmapped("[RESPONSE_TIME] maps only with < or <=")
    note = "a slow answer marks the monitor degraded, not down"
    return Mapped({"degraded_latency": f"{_int(value)}ms"}, note=note)


def condition(text: str, kind: str) -> Mapped:
    """One condition for a monitor of `kind`."""
    found = _CONDITION.match(text)
    if found is None:
        raise Unmapped("not a comparison Hiccup understands")
    left, op, right = found.groups()
    if left == "[CONNECTED]" and op == "==" and right == "true":
        return Mapped()  # every Hiccup check fails when it cannot connect
    if left == "[STATUS]" and kind == "http":
        return _status(op, right)
    if left == "[BODY]" and kind == "http":
        return _keyword(op, right)
    if left == "[BODY]" and kind == "dns" and op == "==":
        values = _ANY.match(right)
        return Mapped(
            {"expected": [v.strip() for v in (values.group(1) if values else right).split(",")]}
        )
    if left == "[DNS_RCODE]" and kind == "dns" and op == "==" and right == "NOERROR":
        return Mapped()  # the dns check fails on any other answer code
    if left == "[CERTIFICATE_EXPIRATION]" and kind in ("http", "tls"):
        return _expiry(op, right)
    if left == "[RESPONSE_TIME]":
        return _latency(op, right)
    raise Unmapped(f"{left} {op} … has no equivalent for a {kind} monitor")
