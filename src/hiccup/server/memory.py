"""What the page shows while results cannot be written: the recorder's own decisions.

Here, at the composition root, because the snapshot builder must not import the engine: it
is handed this view as a plain function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from hiccup.core.delayed import MemoryStatus, component_statuses
from hiccup.core.monitors import MonitorSpec
from hiccup.engine.recorder import Recorder


def memory_status(
    recorder: Recorder | None, specs: Iterable[MonitorSpec], holds: Callable[[str], bool]
) -> MemoryStatus | None:
    """The component statuses the recorder decided, while it cannot write them; else None.
    Only monitors this server judges count: another server's are not known here."""
    if recorder is None or recorder.unwritten_since is None:
        return None
    states = (
        (spec.component_id, recorder.state_of(spec.id).state)
        for spec in specs
        if spec.component_id is not None and spec.enabled and holds(spec.id)
    )
    return MemoryStatus(recorder.unwritten_since, component_statuses(states))
