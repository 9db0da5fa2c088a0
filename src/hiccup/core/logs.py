"""Quiet logs for parts that fail over and over, such as every loop while the database is away.

A loop that retries each second and logs each try turns a three-minute database outage into
tens of thousands of lines and hundreds of tracebacks, burying the one line that matters. So:

- one line when a part starts failing, with its traceback only the first time in this process,
  and none at all for an error the process expects (the composition root says which: a refused
  connection needs no 90-line traceback to be understood);
- while parts keep failing, one summary line every `every` seconds for all of them together,
  with the count of repeats left out;
- one line when a part recovers.

A loop owns one `Repeats` and calls `failed(error)` on each failed try and `recovered()` on each
good one. A part with no good tries to report (failing requests, an overloaded scheduler) is made
with `lapses=True`: a summary interval without failures ends its episode, silently.

All `Repeats` of a process share one `QuietLog`, which writes the summaries, so the lines
during an outage of T seconds stay under 2 x parts + T / every + 1 whatever the retry rates.
The summary is written by the next failure after it is due: no timer, nothing to start or stop.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

SUMMARY_ENV = "HICCUP_LOG_SUMMARY_SECONDS"
DEFAULT_SUMMARY_SECONDS = 60.0
_BRIEF = 300  # characters of an error kept on a line; a driver's message can run to pages

log = logging.getLogger(__name__)


def summary_seconds_from_env() -> float:
    raw = os.environ.get(SUMMARY_ENV, "")
    if not raw:
        return DEFAULT_SUMMARY_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        raise ValueError(f"{SUMMARY_ENV} must be a number of seconds, not {raw!r}") from None
    if not 1 <= seconds <= 86400:
        raise ValueError(f"{SUMMARY_ENV} must be between 1 and 86400 seconds, not {raw}")
    return seconds


def brief(error: BaseException | str) -> str:
    """An error on one line: its type and the first line of its message."""
    if isinstance(error, str):
        return error
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return text if len(text) <= _BRIEF else text[: _BRIEF - 1] + "…"


class QuietLog:
    """The failing parts of one process and the summary line they share."""

    def __init__(
        self, every: float | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.every = every if every is not None else summary_seconds_from_env()
        self.clock = clock
        self.expected: Callable[[BaseException], bool] = lambda _error: False
        self._failing: dict[Repeats, str] = {}  # part -> its latest error, in starting order
        self._summed_at = clock()

    def started(self, part: Repeats, error: str, now: float) -> None:
        if not self._failing:
            self._summed_at = now  # a fresh outage: its first summary comes `every` later
        self._failing[part] = error

    def repeated(self, part: Repeats, error: str, now: float) -> None:
        self._failing[part] = error
        if now - self._summed_at >= self.every:
            self._summarise(now)

    def ended(self, part: Repeats) -> None:
        self._failing.pop(part, None)

    def _summarise(self, now: float) -> None:
        quiet = [(part, error) for part, error in self._failing.items() if part.unsaid]
        self._summed_at = now
        if not quiet:
            return
        listed = "; ".join(f"{p.part} ({p.unsaid} more, latest: {e})" for p, e in quiet)
        log.warning("still failing: %s", listed)
        for part, _error in quiet:
            part.unsaid = 0


_shared: QuietLog | None = None


def shared() -> QuietLog:
    """The process's QuietLog, made at first use (after the environment is read)."""
    global _shared
    if _shared is None:
        _shared = QuietLog()
    return _shared


class Repeats:
    """One part that may fail again and again, named for what it could not do."""

    def __init__(
        self,
        logger: logging.Logger,
        part: str,
        *,
        level: int = logging.ERROR,
        hub: QuietLog | None = None,
        lapses: bool = False,
    ) -> None:
        self.logger, self.part, self.level = logger, part, level
        self._hub, self._lapses = hub, lapses
        self.failing = False
        self._last = 0.0  # when it last failed
        self.unsaid = 0  # failures since the last line about this part
        self._failures = 0  # in this outage
        self._since = 0.0
        self._traced = False

    @property
    def hub(self) -> QuietLog:
        return self._hub if self._hub is not None else shared()

    def failed(self, error: BaseException | str) -> None:
        text, now = brief(error), self.hub.clock()
        if self.failing and self._lapses and now - self._last >= self.hub.every:
            self._end()  # quiet for a whole interval: this is a new episode
        self._failures += 1
        self._last = now
        if self.failing:
            self.hub.repeated(self, text, now)  # a summary due now covers the repeats before this
            self.unsaid += 1
            return
        self.failing, self._since = True, now
        trace = error if isinstance(error, BaseException) and self._traces(error) else None
        self._traced = self._traced or trace is not None
        self.logger.log(self.level, "%s: %s", self.part, text, exc_info=trace)
        self.hub.started(self, text, now)

    def _traces(self, error: BaseException) -> bool:
        return not self._traced and not self.hub.expected(error)

    def recovered(self) -> None:
        if not self.failing:
            return
        took = self.hub.clock() - self._since
        self.logger.warning(
            "%s: recovered after %.0f s (%d failures)", self.part, took, self._failures
        )
        self._end()

    def _end(self) -> None:
        self.failing, self.unsaid, self._failures = False, 0, 0
        self.hub.ended(self)
