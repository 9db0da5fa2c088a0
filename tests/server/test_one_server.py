"""One `hiccup serve` per port and per SQLite data directory: a second one exits 1 at once
with a message saying why, and the first keeps serving."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import fresh_postgres_database
from tests.server.test_serve_servers import CONFIG, wait_ready
from tests.support.targets import reserve_port


def _command(port: int, server: str) -> list[str]:
    return [sys.executable, "-m", "hiccup", "serve", "--port", str(port), "--server", server]


def _env(data: Path, database: str | None = None) -> dict[str, str]:
    env = {**os.environ, "HICCUP_DATA_DIR": str(data)}
    env.pop("HICCUP_DATABASE_URL", None)
    if database is not None:
        env["HICCUP_DATABASE_URL"] = database
    return env


@contextmanager
def first_server(tmp_path: Path, port: int, server: str) -> Iterator[str]:
    (tmp_path / "hiccup.yaml").write_text(CONFIG)
    with subprocess.Popen(
        _command(port, server),
        cwd=tmp_path,
        env=_env(tmp_path / "data"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as process:
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base + "/healthz", process)
            yield base
            assert process.poll() is None, "the first server stopped"
        finally:
            process.kill()
            process.wait()


def second_server(tmp_path: Path, port: int, server: str, data: Path) -> tuple[int, str]:
    done = subprocess.run(
        _command(port, server),
        cwd=tmp_path,
        env=_env(data),
        capture_output=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stderr.decode()


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_a_second_server_on_the_same_port_exits_1(tmp_path: Path, server: str) -> None:
    port = reserve_port()
    with first_server(tmp_path, port, server) as base:
        code, said = second_server(tmp_path, port, server, tmp_path / "other-data")
        assert code == 1
        assert f"cannot listen on 127.0.0.1:{port}" in said
        assert "another hiccup serve" in said
        assert not (tmp_path / "other-data" / "hiccup.db").exists()  # nothing started
        assert httpx.get(base + "/healthz", timeout=5).status_code == 200


def test_a_second_server_on_the_same_sqlite_data_directory_exits_1(tmp_path: Path) -> None:
    with first_server(tmp_path, reserve_port(), "granian") as base:
        code, said = second_server(tmp_path, reserve_port(), "granian", tmp_path / "data")
        assert code == 1
        assert "data directory" in said
        assert "in use by process" in said
        assert "PostgreSQL" in " ".join(said.split())
        assert httpx.get(base + "/healthz", timeout=5).status_code == 200


@pytest.mark.postgres
def test_servers_on_postgresql_may_share_a_data_directory(
    tmp_path: Path, postgres_url: str
) -> None:
    (tmp_path / "hiccup.yaml").write_text(CONFIG)
    env = _env(tmp_path / "data", asyncio.run(fresh_postgres_database(postgres_url)))
    ports = [reserve_port(), reserve_port()]
    servers = [
        subprocess.Popen(
            _command(port, "granian"),
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, servers, strict=True):
            wait_ready(f"http://127.0.0.1:{port}/healthz", process)
        assert not (tmp_path / "data" / "hiccup.lock").exists()
    finally:
        for process in servers:
            process.kill()
            process.wait()
