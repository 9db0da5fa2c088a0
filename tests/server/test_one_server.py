"""One `hiccup serve` per port and per SQLite data directory: a second one exits 1 at once
with a message saying why, and the first keeps serving."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.migrated import fresh_postgres_database
from tests.support.serve_process import MINIMAL_CONFIG, HiccupServe
from tests.support.targets import reserve_port


@contextmanager
def first_server(tmp_path: Path, port: int, server: str) -> Iterator[str]:
    (tmp_path / "hiccup.yaml").write_text(MINIMAL_CONFIG)
    served = HiccupServe(tmp_path, "--server", server, port=port).start()
    try:
        served.wait_ready()
        yield served.base
        served.running()  # the first server is still there
    finally:
        served.kill()


def second_server(tmp_path: Path, port: int, server: str, data: Path) -> tuple[int, str]:
    second = HiccupServe(
        tmp_path, "--server", server, port=port, env={"HICCUP_DATA_DIR": str(data)}
    )
    return second.run_to_end()


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
    (tmp_path / "hiccup.yaml").write_text(MINIMAL_CONFIG)
    database = {"HICCUP_DATABASE_URL": asyncio.run(fresh_postgres_database(postgres_url))}
    servers = [HiccupServe(tmp_path, env=database).start() for _ in range(2)]
    try:
        for served in servers:
            served.wait_ready()
        assert not (tmp_path / "data" / "hiccup.lock").exists()
    finally:
        for served in servers:
            served.kill()
