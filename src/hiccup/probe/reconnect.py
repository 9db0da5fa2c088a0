"""When the agent calls an unreachable server again: a random first wait, then exponential
backoff with full jitter up to a cap (the notifier's RetryPolicy; the design's rule for every
client of ours that reconnects).

Full jitter is what keeps a server restart from bringing every probe back in the same second:
probes that lost the server together draw their waits independently from [0, ceiling], and
the ceiling doubles with each failure until the cap.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from hiccup.core.backoff import RetryPolicy

# A probe never gives up (max_attempts is not used); two minutes at most between tries.
PROBE_RETRY = RetryPolicy(base=timedelta(seconds=2), cap=timedelta(minutes=2))


@dataclass(slots=True)
class Reconnect:
    policy: RetryPolicy = PROBE_RETRY
    rng: random.Random | None = None  # tests inject one; None is the module's generator
    attempts: int = field(default=0, init=False)  # failures in a row

    def failed(self) -> float:
        """Count a failure; the seconds to wait before the next try."""
        self.attempts += 1
        return self.policy.delay(self.attempts, self.rng).total_seconds()

    def succeeded(self) -> bool:
        """Reset after a call that went through; True when it ended a run of failures."""
        recovered, self.attempts = self.attempts > 0, 0
        return recovered
