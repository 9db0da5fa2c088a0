"""Never reached: a monitor whose check has not once succeeded since it was created or its
kind or target changed. Its failures are most likely a typo in the target, not an outage: the
operator is alerted ("never reached: check the target"), the public page is not touched (no
incident, no status change, no lost uptime) until it has answered once.

The track remembers which check answered (`Track.reached_for`, a fingerprint of kind and
target), so a new target is unreached without anything being reset, in memory or on disk.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from functools import lru_cache

from hiccup.core.detection import Track
from hiccup.core.status import MonitorState, Verdict

# A track stored before this was known: its monitor ran before, so it counts as reached, and
# is pinned to the check it runs at its next result.
REACHED_BEFORE = "*"
_TROUBLE = (MonitorState.DOWN, MonitorState.DEGRADED)


# Asked twice per result of every monitor: a digest computed once per check, not per result.
@lru_cache(maxsize=65_536)
def fingerprint(kind: str, target: str) -> str:
    return hashlib.sha256(f"{kind}\n{target}".encode()).hexdigest()[:16]


def is_reached(track: Track, kind: str, target: str) -> bool:
    return track.reached_for in (REACHED_BEFORE, fingerprint(kind, target))


def note_result(track: Track, verdict: Verdict, kind: str, target: str) -> Track:
    """The track after one result: reached once the check answers (ok or slow)."""
    answered = verdict is not Verdict.FAILED
    if answered or track.reached_for == REACHED_BEFORE:
        mark = fingerprint(kind, target)
        return track if track.reached_for == mark else replace(track, reached_for=mark)
    return track


def public_state(state: MonitorState, reached: bool) -> MonitorState:
    """The state the page may know: trouble of a check never reached is nobody's but the
    operator's, so the page sees it as not known yet."""
    return MonitorState.UNKNOWN if state in _TROUBLE and not reached else state
