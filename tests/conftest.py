"""Shared fixtures: real databases (SQLite file and a PostgreSQL server on loopback), and the
rule for running the suite on several pytest-xdist workers."""

from __future__ import annotations

import os
import pathlib
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from argon2 import PasswordHasher, profiles
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from hiccup.auth import passwords
from hiccup.core.ids import new_id
from hiccup.store.database import create_engine, migrate
from tests.support.notify_helpers import SmtpSink
from tests.support.postgres import running_server
from tests.support.stuck_tasks import dump_on_signal
from tests.support.stuck_tasks import install as bound_task_cancellation
from tests.support.targets import HttpTarget

# Durability is not under test here (tests/store/test_sqlite_durability.py aside), as with
# PostgreSQL's fsync=off in tests/support/postgres.py; an fsync per commit would slow the suite.
os.environ.setdefault("HICCUP_SQLITE_SYNCHRONOUS", "normal")
bound_task_cancellation()
dump_on_signal(pathlib.Path(os.environ.get("HICCUP_TEST_DUMPS", "/tmp")))


def cheap_password_hashes() -> None:
    """Argon2 at its recommended cost takes about 0.4 s of CPU per login, on purpose; the
    in-process tests log in hundreds of times, so they hash at argon2's cheapest profile.
    `hiccup serve` children (tests/server, tests/release) still hash at the real cost."""
    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    passwords._hasher = cheap
    passwords._DUMMY = cheap.hash("hiccup-no-such-user")


cheap_password_hashes()

TESTS = pathlib.Path(__file__).parent
# Folders whose tests run on one xdist worker, one test at a time (`--dist loadgroup`, see
# scripts/test), while the other worker goes on with the rest of the suite: the cluster tests
# give fixed addresses to network namespaces, two headless Chromiums at once starve the 2-core
# runners, and the release tests share one built wheel (a session fixture is per worker).
SERIAL_FOLDERS = ("cluster", "browser", "release")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for folder in SERIAL_FOLDERS:
            if item.path.is_relative_to(TESTS / folder):
                item.add_marker(pytest.mark.xdist_group(folder))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Each xdist worker is its own session, so each starts its own server (one per worker);
    with HICCUP_TEST_POSTGRES_URL they share that server, each test in its own database."""
    configured = os.environ.get("HICCUP_TEST_POSTGRES_URL")
    if configured:
        yield configured
        return
    with running_server() as url:
        yield url


async def fresh_postgres_database(server_url: str) -> str:
    name = f"t_{new_id()}"
    url = make_url(server_url)
    conn = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, database=url.database
    )
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def bare_engine(
    request: pytest.FixtureRequest, tmp_path: pathlib.Path
) -> AsyncIterator[AsyncEngine]:
    """An empty database on each engine the project supports, not migrated (for migrations)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hiccup.db'}"
    else:
        url = await fresh_postgres_database(request.getfixturevalue("postgres_url"))
    created = create_engine(url)
    yield created
    await created.dispose()


@pytest.fixture
async def engine(bare_engine: AsyncEngine) -> AsyncEngine:
    """A migrated, empty database on each engine the project supports."""
    await migrate(bare_engine)
    return bare_engine


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    """A real SMTP server on loopback that keeps every message."""
    server = SmtpSink()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def http_target() -> AsyncIterator[HttpTarget]:
    """A loopback HTTP server a monitor can check; answers 200 until a test says otherwise."""
    target = HttpTarget()
    await target.start()
    yield target
    await target.stop()
