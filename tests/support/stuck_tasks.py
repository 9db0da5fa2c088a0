"""A leaked task that will not end when cancelled used to hang the whole suite at a runner's
teardown (pytest-asyncio cancels every task left on the loop and waits for all of them, without
a limit). This bounds that wait and names the task, with its stack, so the test that leaked it
fails instead of the run hanging until CI's limit."""

from __future__ import annotations

import asyncio
import asyncio.runners
import io
import os
import signal
from pathlib import Path
from types import FrameType
from typing import Any

CANCEL_GRACE_SECONDS = 10.0


class TaskResistedCancel(RuntimeError):
    pass


def describe(tasks: set[asyncio.Task[Any]]) -> str:
    out = io.StringIO()
    for task in tasks:
        out.write(f"\n{task!r}\n")
        task.print_stack(file=out)
    return out.getvalue()


def cancel_all_tasks_bounded(loop: asyncio.AbstractEventLoop) -> None:
    to_cancel = asyncio.all_tasks(loop)
    if not to_cancel:
        return
    for task in to_cancel:
        task.cancel()
    _, pending = loop.run_until_complete(asyncio.wait(to_cancel, timeout=CANCEL_GRACE_SECONDS))
    if pending:
        raise TaskResistedCancel(
            f"{len(pending)} task(s) still running {CANCEL_GRACE_SECONDS:g} s after being "
            f"cancelled at the end of a test's event loop:{describe(pending)}"
        )
    for task in to_cancel:
        if not task.cancelled() and task.exception() is not None:
            loop.call_exception_handler(
                {
                    "message": "unhandled exception during event loop shutdown",
                    "exception": task.exception(),
                    "task": task,
                }
            )


def install() -> None:
    asyncio.runners._cancel_all_tasks = cancel_all_tasks_bounded  # type: ignore[attr-defined]


def dump_on_signal(folder: Path) -> None:
    """`kill -USR1 <worker pid>` writes every task of the running loop, with its stack, to
    `folder/tasks-<pid>.txt`: what a test that hangs is waiting for."""

    def dump(_signum: int, _frame: FrameType | None) -> None:
        loop = asyncio.events._get_running_loop()
        tasks = asyncio.all_tasks(loop) if loop is not None else set()
        text = f"{len(tasks)} task(s) on the running loop\n{describe(tasks)}"
        (folder / f"tasks-{os.getpid()}.txt").write_text(text)

    signal.signal(signal.SIGUSR1, dump)
