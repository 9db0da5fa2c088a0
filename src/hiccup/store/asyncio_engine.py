"""SQLAlchemy Core on asyncio: the part of `sqlalchemy.ext.asyncio` Hiccup uses, without the ORM.

Importing `sqlalchemy.ext.asyncio` imports SQLAlchemy's ORM as well (the package sets up
AsyncSession), 51 modules and about 7 MB of a running server's memory for code Hiccup never
calls: it uses Core only. These proxies work as SQLAlchemy's do: each call runs the synchronous
Connection's method in a greenlet (`greenlet_spawn`), where the asyncio driver's awaits go back
to the running loop. Results come back buffered, as from `AsyncConnection.execute`; there are
no streamed (server-side) results.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine, Generator
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Connection, CursorResult, Dialect, Engine, Transaction
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.util.concurrency import greenlet_spawn

if TYPE_CHECKING:
    from typing import TypeVarTuple

    from sqlalchemy.engine.interfaces import (
        CoreExecuteOptionsParameter,
        _CoreAnyExecuteParams,
        _CoreSingleExecuteParams,
        _DBAPIAnyExecuteParams,
    )
    from sqlalchemy.pool import PoolProxiedConnection
    from sqlalchemy.sql.base import Executable
    from sqlalchemy.sql.selectable import TypedReturnsRows

    _Ts = TypeVarTuple("_Ts")

_T = TypeVar("_T")
_P = ParamSpec("_P")
_Started = TypeVar("_Started", bound="_Startable[Any]")


def create_async_engine(url: str | URL, **kw: Any) -> AsyncEngine:
    """`sqlalchemy.create_engine` for an asyncio driver (aiosqlite, asyncpg), proxied;
    `async_creator` makes each new connection, as in `sqlalchemy.ext.asyncio`."""
    async_creator = kw.pop("async_creator", None)
    if async_creator is not None:

        def creator() -> Any:
            return sync_engine.dialect.loaded_dbapi.connect(async_creator_fn=async_creator)

        kw["creator"] = creator
    sync_engine = create_engine(url, _is_async=True, **kw)
    return AsyncEngine(sync_engine)


async def _run_to_completion(cleanup: Coroutine[Any, Any, None]) -> None:
    """Finish `cleanup` even if the caller is cancelled meanwhile, then pass the cancellation
    on: a connection abandoned halfway through closing could go back into a pool that has been
    disposed of since."""
    task = asyncio.create_task(cleanup)
    cancelled: asyncio.CancelledError | None = None
    while True:
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError as error:
            if task.done():
                raise
            cancelled = error
        else:
            break
    if cancelled is not None:
        raise cancelled


class _Startable(Generic[_Started]):
    """Awaited, it starts; used with `async with`, it starts and ends with the block."""

    async def start(self, entered: bool = False) -> _Started:
        raise NotImplementedError

    def __await__(self) -> Generator[Any, None, _Started]:
        return self.start().__await__()

    async def __aenter__(self) -> _Started:
        return await self.start(entered=True)

    async def __aexit__(self, kind: object, error: object, traceback: object) -> None:
        raise NotImplementedError


class AsyncEngine:
    """An `Engine` whose connections are used with `await`."""

    __slots__ = ("sync_engine",)

    def __init__(self, sync_engine: Engine) -> None:
        if not sync_engine.dialect.is_async:
            driver = sync_engine.dialect.driver
            raise InvalidRequestError(f"{driver!r} is no asyncio driver: use aiosqlite or asyncpg")
        self.sync_engine = sync_engine

    @property
    def url(self) -> URL:
        return self.sync_engine.url

    @property
    def dialect(self) -> Dialect:
        return self.sync_engine.dialect

    def connect(self) -> AsyncConnection:
        """A connection from the pool: `async with engine.connect() as conn`, or awaited."""
        return AsyncConnection(self)

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction, committed when the block ends (rolled back on error)."""
        async with self.connect() as conn, conn.begin():
            yield conn

    async def dispose(self, close: bool = True) -> None:
        await greenlet_spawn(self.sync_engine.dispose, close=close)


class AsyncConnection(_Startable["AsyncConnection"]):
    """A pooled `Connection`; each statement runs in a greenlet of its own."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sync: Connection | None = None

    async def start(self, entered: bool = False) -> AsyncConnection:
        if self._sync is not None:
            raise InvalidRequestError("the connection is already started")
        self._sync = await greenlet_spawn(self.engine.sync_engine.connect)
        return self

    async def __aexit__(self, kind: object, error: object, traceback: object) -> None:
        await _run_to_completion(self.close())

    @property
    def sync_connection(self) -> Connection:
        if self._sync is None:
            raise InvalidRequestError("the connection is not started: await it or use async with")
        return self._sync

    @property
    def dialect(self) -> Dialect:
        return self.engine.dialect

    @property
    def info(self) -> dict[Any, Any]:
        return self.sync_connection.info

    def begin(self) -> AsyncTransaction:
        return AsyncTransaction(self)

    def begin_nested(self) -> AsyncTransaction:
        """A SAVEPOINT inside the running transaction."""
        return AsyncTransaction(self, nested=True)

    def in_transaction(self) -> bool:
        return self.sync_connection.in_transaction()

    @overload
    async def execute(
        self,
        statement: TypedReturnsRows[*_Ts],
        parameters: _CoreAnyExecuteParams | None = None,
        *,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> CursorResult[*_Ts]: ...

    @overload
    async def execute(
        self,
        statement: Executable,
        parameters: _CoreAnyExecuteParams | None = None,
        *,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> CursorResult[*tuple[Any, ...]]: ...

    async def execute(
        self,
        statement: Executable,
        parameters: _CoreAnyExecuteParams | None = None,
        *,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> CursorResult[*tuple[Any, ...]]:
        run = self.sync_connection.execute
        options = {"execution_options": execution_options}
        return await greenlet_spawn(run, statement, parameters, _require_await=True, **options)

    @overload
    async def scalar(
        self,
        statement: TypedReturnsRows[_T],
        parameters: _CoreSingleExecuteParams | None = None,
        *,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> _T | None: ...

    @overload
    async def scalar(
        self,
        statement: Executable,
        parameters: _CoreSingleExecuteParams | None = None,
        *,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> Any: ...

    async def scalar(
        self,
        statement: Executable,
        parameters: _CoreSingleExecuteParams | None = None,
        *,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> Any:
        result = await self.execute(statement, parameters, execution_options=execution_options)
        return result.scalar()

    async def exec_driver_sql(
        self,
        statement: str,
        parameters: _DBAPIAnyExecuteParams | None = None,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> CursorResult[*tuple[Any, ...]]:
        run = self.sync_connection.exec_driver_sql
        return await greenlet_spawn(
            run, statement, parameters, execution_options, _require_await=True
        )

    async def run_sync(
        self, fn: Callable[Concatenate[Connection, _P], _T], *args: _P.args, **kw: _P.kwargs
    ) -> _T:
        """`fn(sync_connection, ...)` in a greenlet: for code written against `Connection`
        (Alembic, inspection)."""
        return await greenlet_spawn(fn, self.sync_connection, *args, _require_await=False, **kw)

    async def get_raw_connection(self) -> PoolProxiedConnection:
        return await greenlet_spawn(getattr, self.sync_connection, "connection")

    async def commit(self) -> None:
        await greenlet_spawn(self.sync_connection.commit)

    async def rollback(self) -> None:
        await greenlet_spawn(self.sync_connection.rollback)

    async def invalidate(self, exception: BaseException | None = None) -> None:
        await greenlet_spawn(self.sync_connection.invalidate, exception=exception)

    async def close(self) -> None:
        await greenlet_spawn(self.sync_connection.close)


class AsyncTransaction(_Startable["AsyncTransaction"]):
    """A transaction (or, nested, a SAVEPOINT): committed when its `async with` block ends
    normally, rolled back when it raises."""

    def __init__(self, connection: AsyncConnection, nested: bool = False) -> None:
        self.connection = connection
        self.nested = nested
        self._sync: Transaction | None = None

    async def start(self, entered: bool = False) -> AsyncTransaction:
        conn = self.connection.sync_connection
        self._sync = await greenlet_spawn(conn.begin_nested if self.nested else conn.begin)
        if entered:
            # Registers the block with the connection, as `with conn.begin():` does, so that
            # leaving it commits or rolls back exactly this transaction.
            self._sync.__enter__()
        return self

    async def __aexit__(self, kind: object, error: object, traceback: object) -> None:
        await greenlet_spawn(self._started.__exit__, kind, error, traceback)

    @property
    def _started(self) -> Transaction:
        if self._sync is None:
            raise InvalidRequestError("the transaction is not started: await it or use async with")
        return self._sync

    async def commit(self) -> None:
        await greenlet_spawn(self._started.commit)

    async def rollback(self) -> None:
        await greenlet_spawn(self._started.rollback)
