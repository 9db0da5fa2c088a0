"""A throwaway PostgreSQL server on a loopback port, for the tests (Debian's postgresql)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def server_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_server_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI runs as root, so hand over to the postgres user.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _prepare_dir() -> Path:
    base = Path(tempfile.mkdtemp(prefix="hiccup-pg-", dir="/tmp"))
    base.chmod(0o755)
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(base, user.pw_uid, user.pw_gid)
    return base


def _run(*command: str) -> None:
    subprocess.run(_as_server_user(list(command)), check=True, capture_output=True)


class Cluster:
    """A fresh PostgreSQL cluster that tests can stop and start again (a database outage)."""

    def __init__(self) -> None:
        binaries = server_bin()
        if binaries is None:
            raise RuntimeError("PostgreSQL server not installed: scripts/test installs it")
        self.base, self.port = _prepare_dir(), free_port()
        self.data = self.base / "data"
        self.pg_ctl = str(binaries / "pg_ctl")
        _run(str(binaries / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "hiccup",
             "-E", "UTF8", "--no-sync")  # fmt: skip
        self.url = f"postgresql://hiccup@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        # Durability is not under test here; speed is welcome.
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += " -c synchronous_commit=off -c full_page_writes=off"
        log = str(self.base / "log")
        _run(self.pg_ctl, "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        stop = [self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop"]
        subprocess.run(_as_server_user(stop), capture_output=True, check=False)

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)


@contextmanager
def cluster() -> Iterator[Cluster]:
    """A started cluster, stopped and deleted afterwards."""
    made = Cluster()
    try:
        made.start()
        yield made
    finally:
        made.remove()


@contextmanager
def running_server() -> Iterator[str]:
    """Start a fresh cluster; yields its URL and stops it (and deletes it) afterwards."""
    with cluster() as made:
        yield made.url
