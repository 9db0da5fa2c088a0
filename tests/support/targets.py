"""Loopback targets that tests can take down and bring back on the same port."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass

from aiohttp import web


def reserve_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class HttpTarget:
    """An HTTP server answering 200 'Welcome'; stop() makes connections refused."""

    port: int = 0
    runner: web.AppRunner | None = None
    host: str = "127.0.0.1"

    async def start(self) -> None:
        self.port = self.port or reserve_port()
        app = web.Application()
        app.router.add_get("/", self._hello)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, self.host, self.port, reuse_address=True).start()

    async def _hello(self, _request: web.Request) -> web.Response:
        return web.Response(text="Welcome")

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"


@dataclass
class TcpTarget:
    """A TCP listener that greets and closes; stop() makes connections refused."""

    port: int = 0
    server: asyncio.Server | None = None

    async def start(self) -> None:
        self.port = self.port or reserve_port()
        self.server = await asyncio.start_server(
            self._greet, "127.0.0.1", self.port, reuse_address=True
        )

    async def _greet(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 ready\r\n")
        writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"
