"""Words for trouble by the kind of monitor that saw it.

"Backups is unavailable … has not been answering" is wrong twice for a nightly job that did not
call in, and "down" is wrong for a certificate nine days from expiry. A kind that knows better
words says what happened, with the check's own reason: "Backups missed its 02:00 UTC run
(expected every 1d + 1m grace)", "shop TLS: certificate expires in 9 days (2026-12-14)".
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from hiccup.core.language import N_, _


class TroubleKind(StrEnum):
    OUTAGE = "outage"  # a service that stops answering: the generic words fit
    SCHEDULE = "schedule"  # a job that did not call in (heartbeat); the reason says which run
    EXPIRY = "expiry"  # a certificate near or past its end (tls); the reason says when


def trouble_sentence(kind: TroubleKind, name: str, reason: str | None) -> str | None:
    """The kind's own words for `name` in trouble; None: use the generic ones."""
    if not reason or kind is TroubleKind.OUTAGE:
        return None
    if kind is TroubleKind.SCHEDULE:
        return f"{name} {reason}"
    return f"{name}: {reason}"


_TITLES = {
    TroubleKind.SCHEDULE: N_("%(name)s: a scheduled job did not run"),
    TroubleKind.EXPIRY: N_("%(name)s: certificate problem"),
}


def incident_words(
    component: str, causes: Sequence[tuple[TroubleKind, str, str | None]]
) -> tuple[str, str] | None:
    """(title, sentence) for a component's incident when every monitor in trouble has its own
    words — (kind, monitor name, reason) each; None when any is a plain outage."""
    sentences = [trouble_sentence(kind, name, reason) for kind, name, reason in causes]
    kinds = {kind for kind, _, _ in causes}
    if not causes or any(s is None for s in sentences) or len(kinds) != 1:
        return None
    title = _(_TITLES[kinds.pop()]) % {"name": component}
    return title, " ".join(f"{s}." for s in sentences if s)


# How a kind's trouble ends, at `{clock}` (the page's zone): a job runs, a certificate renews.
_RECOVERED = {
    TroubleKind.OUTAGE: N_("It is answering normally again."),
    TroubleKind.SCHEDULE: N_("%(name)s ran again at %(clock)s."),
    TroubleKind.EXPIRY: N_("Its certificate was fine again at %(clock)s."),
}


def recovery_kind(kinds: Sequence[TroubleKind]) -> TroubleKind:
    """The words a component's recovery takes: its monitors' kind when they share one, else
    the generic words (a service answering again)."""
    return kinds[0] if kinds and len(set(kinds)) == 1 else TroubleKind.OUTAGE


def recovery_sentence(kind: TroubleKind, name: str, clock: str) -> str:
    """'Backups ran again at 02:03 CET.', 'It is answering normally again.'"""
    return _(_RECOVERED[kind]) % {"name": name, "clock": clock}


def never_reached_words(kind: TroubleKind, name: str, reason: str | None) -> tuple[str, str]:
    """(headline, summary) of an alert for a monitor whose check has never answered since it
    was created or changed: most likely the target is wrong, and only the operator hears."""
    if kind is TroubleKind.SCHEDULE:
        summary = f"{name} has never pinged: check the job and its ping URL"
    else:
        summary = f"{name} was never reached: check the target"
    return f"NEVER REACHED: {name}", f"{summary} ({reason})" if reason else summary
