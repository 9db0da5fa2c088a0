"""Shared fixtures: real databases (SQLite file and a PostgreSQL server on loopback), and the
rule for running the suite on several pytest-xdist workers."""

from __future__ import annotations

import os
import pathlib
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from argon2 import PasswordHasher, profiles

from hiccup.auth import passwords
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import create_engine
from tests.support.migrated import (
    MigratedTemplates,
    drop_postgres_database,
    fresh_postgres_database,
)
from tests.support.notify_helpers import SmtpSink
from tests.support.postgres import running_server
from tests.support.stuck_tasks import dump_on_signal
from tests.support.stuck_tasks import install as bound_task_cancellation
from tests.support.targets import HttpTarget
from tests.support.xdist_groups import keep_together

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
    keep_together(items, TESTS, SERIAL_FOLDERS)


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


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> MigratedTemplates:
    return MigratedTemplates(tmp_path_factory.mktemp("templates"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine_kind(request: pytest.FixtureRequest) -> str:
    """Each engine the project supports: a test asking for a database runs on both."""
    kind: str = request.param
    return kind


@pytest.fixture
async def bare_engine(
    engine_kind: str, request: pytest.FixtureRequest, tmp_path: pathlib.Path
) -> AsyncIterator[AsyncEngine]:
    """An empty database on each engine the project supports, not migrated (for migrations)."""
    if engine_kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'hiccup.db'}"
    else:
        url = await fresh_postgres_database(request.getfixturevalue("postgres_url"))
    created = create_engine(url)
    yield created
    await created.dispose()
    if engine_kind == "postgresql":
        await drop_postgres_database(url)


@pytest.fixture
async def engine(
    engine_kind: str,
    request: pytest.FixtureRequest,
    tmp_path: pathlib.Path,
    migrated_templates: MigratedTemplates,
) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database on each engine the project supports (a copy of the
    worker's migrated template: tests/support/migrated.py)."""
    if engine_kind == "sqlite":
        path = tmp_path / "hiccup.db"
        await migrated_templates.sqlite_copy(path)
        url = f"sqlite:///{path}"
    else:
        server = request.getfixturevalue("postgres_url")
        url = await migrated_templates.postgres_copy(server)
    created = create_engine(url)
    yield created
    await created.dispose()
    if engine_kind == "postgresql":
        await drop_postgres_database(url)


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


TIMELINE = os.environ.get("HICCUP_TEST_TIMELINE")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """With HICCUP_TEST_TIMELINE=DIR each worker writes when each phase of each test ended and
    how long it took, to see where a run's minutes go (which worker waits, which group is last)."""
    if TIMELINE is None:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    line = f"{worker}\t{report.nodeid}\t{report.when}\t{time.time():.3f}\t{report.duration:.3f}\n"
    with (pathlib.Path(TIMELINE) / f"{worker}.tsv").open("a") as out:
        out.write(line)
