"""One server per SQLite data directory: an OS lock on `hiccup.lock`, held for the process's life.

Two servers on one SQLite database would both run every monitor and both write the snapshot;
several servers are a PostgreSQL setup (leases share the work there), so only SQLite locks.
The kernel drops the lock when the process ends, even on kill -9: there is no stale lock file
to clean up, and the file itself is left in place on purpose.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_NAME = "hiccup.lock"


class DataDirInUse(Exception):
    def __init__(self, directory: Path, holder: str) -> None:
        self.directory, self.holder = directory, holder
        who = f"process {holder}" if holder else "another process"
        super().__init__(f"the data directory {directory} is in use by {who}")


class DataDirLock:
    """Holds the lock until `release()` or the process's end."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> DataDirLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            raise DataDirInUse(self.path.parent, holder) from None
        # The holder's pid, for the message the next server prints; only a hint, the lock decides.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
