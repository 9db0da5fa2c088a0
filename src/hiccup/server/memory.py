"""What the page shows while results cannot be written: the recorder's own decisions.

Here, at the composition root, because the snapshot builder must not import the engine: it
is handed this view as a plain function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from hiccup.core.delayed import MemoryStatus, component_statuses
from hiccup.core.detection import Track
from hiccup.core.monitors import MonitorSpec
from hiccup.core.reach import is_reached, public_state
from hiccup.core.status import MonitorState
from hiccup.engine.recorder import Recorder


def _public(track: Track, spec: MonitorSpec) -> MonitorState:
    """As the status service would apply it: a check never reached does not move the page."""
    return public_state(track.state, is_reached(track, spec.kind, spec.target))


def memory_status(
    recorder: Recorder | None, specs: Iterable[MonitorSpec], holds: Callable[[str], bool]
) -> MemoryStatus | None:
    """The component statuses the recorder decided, while it cannot write them; else None.
    Only monitors this server judges count: another server's are not known here."""
    if recorder is None or recorder.unwritten_since is None:
        return None
    states = (
        (spec.component_id, _public(recorder.state_of(spec.id), spec))
        for spec in specs
        if spec.component_id is not None and spec.enabled and holds(spec.id)
    )
    return MemoryStatus(recorder.unwritten_since, component_statuses(states))
