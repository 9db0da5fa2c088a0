"""A database connection that tests cut and restore, or that cannot write, while the database
itself keeps running: the part under test loses its database; the test's own engine does not."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc

from hiccup.store.asyncio_engine import AsyncEngine, create_async_engine
from hiccup.store.database import async_url, create_engine
from tests.support.targets import reserve_port


@dataclass
class Relay:
    """A TCP relay to PostgreSQL; cutting it closes the connections it carries."""

    host: str
    port: int
    listen: int = field(default_factory=reserve_port)
    server: asyncio.Server | None = None
    carried: set[asyncio.StreamWriter] = field(default_factory=set)

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", self.listen)

    async def stop(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            server.close()
            for writer in list(self.carried):
                writer.close()
            await server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        except OSError:
            writer.close()
            return
        pair = {writer, up_writer}
        if self.server is None:  # cut while this connection was being made
            for end in pair:
                end.close()
            return
        self.carried |= pair
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            for end in pair:  # every transport closed here, or the loop warns of it at exit
                end.close()
            self.carried -= pair

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, RuntimeError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()


@dataclass
class Link:
    engine: AsyncEngine  # the engine of the part under test
    home: Path | None = None  # SQLite: the database's directory
    parked: Path | None = None
    relay: Relay | None = None
    cut_off: bool = False

    @classmethod
    async def to(cls, engine: AsyncEngine, parking: Path) -> Link:
        url = engine.url
        if url.get_backend_name() == "sqlite":
            away = create_engine(url.render_as_string(hide_password=False))
            link = cls(away, Path(str(url.database)).parent, parking / "db")
            event.listen(away.sync_engine.pool, "checkout", link._refuse)
            return link
        relay = Relay(url.host or "127.0.0.1", url.port or 5432)
        await relay.start()
        relayed = url.set(port=relay.listen).render_as_string(hide_password=False)
        return cls(create_engine(relayed), relay=relay)

    async def cut(self) -> None:
        if self.relay is not None:
            await self.relay.stop()
            return
        assert self.home is not None
        assert self.parked is not None
        # Open SQLite connections would keep reading the moved file: each is dropped when next
        # taken from the pool (disposing the pool under a running server would leak those in
        # use), and new ones find nothing.
        self.cut_off = True
        self.home.rename(self.parked)

    async def restore(self) -> None:
        if self.relay is not None:
            await self.relay.start()
            return
        assert self.home is not None
        assert self.parked is not None
        self.parked.rename(self.home)
        self.cut_off = False

    def _refuse(self, _dbapi: Any, _record: Any, _proxy: Any) -> None:
        if self.cut_off:
            raise exc.DisconnectionError("the database is cut off")

    async def close(self) -> None:
        await self.engine.dispose()
        if self.relay is not None:
            await self.relay.stop()


def read_only(engine: AsyncEngine) -> AsyncEngine:
    """Another engine on the same database that reads but cannot write: a full disk."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.url.get_backend_name() != "sqlite":
        refused = {"default_transaction_read_only": "on"}
        return create_async_engine(async_url(url), connect_args={"server_settings": refused})
    made = create_engine(url)

    def refuse_writes(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only = ON")
        cursor.close()

    event.listen(made.sync_engine, "connect", refuse_writes)
    return made
