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
from dataclasses import dataclass
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


@dataclass
class Cluster:
    """One PostgreSQL server of our own, which a test may stop and start again (an outage)."""

    url: str
    pg_ctl: str
    data: Path
    options: str
    log: Path

    def stop(self, mode: str = "fast") -> None:
        _run(self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop")

    def start(self) -> None:
        _run(
            self.pg_ctl,
            "-D",
            str(self.data),
            "-o",
            self.options,
            "-l",
            str(self.log),
            "-w",
            "start",
        )


def _started(pg_ctl: str, base: Path, data: Path) -> Cluster:
    """Start on a free port; the port can be taken between choosing and binding it (another
    xdist worker starts its own server at the same moment), so a failed start tries another."""
    for attempt in range(5):
        port = free_port()
        # Durability is not under test here; speed is welcome.
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += " -c synchronous_commit=off -c full_page_writes=off"
        url = f"postgresql://hiccup@127.0.0.1:{port}/postgres"
        cluster = Cluster(url, pg_ctl, data, options, base / "log")
        try:
            cluster.start()
            return cluster
        except subprocess.CalledProcessError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


@contextmanager
def own_server() -> Iterator[Cluster]:
    """Start a fresh cluster; yields it, and stops (and deletes) it afterwards."""
    binaries = server_bin()
    if binaries is None:
        raise RuntimeError("PostgreSQL server not installed: scripts/test installs it")
    base = _prepare_dir()
    data = base / "data"
    initdb, pg_ctl = str(binaries / "initdb"), str(binaries / "pg_ctl")
    _run(initdb, "-D", str(data), "-A", "trust", "-U", "hiccup", "-E", "UTF8", "--no-sync")
    cluster = _started(pg_ctl, base, data)
    try:
        yield cluster
    finally:
        stop = [pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]
        subprocess.run(_as_server_user(stop), capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def running_server() -> Iterator[str]:
    """Start a fresh cluster; yields its URL and stops (and deletes) it afterwards."""
    with own_server() as cluster:
        yield cluster.url


# The name the outage tests use: a cluster they stop and start.
cluster = own_server
