"""A small real DNS server on 127.0.0.1, over UDP and TCP on one port, for the dns check.

It answers from a dict zone with dnspython's message code: a known name and type gets its
records, a known name without that type an empty NOERROR answer, an unknown name NXDOMAIN.
Names in `silent` are never answered (UDP dropped, TCP held open); names in `servfail` get
SERVFAIL; names in `garbage` get bytes that are no DNS message.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from dataclasses import dataclass, field
from typing import cast

import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

Zone = dict[str, dict[str, list[str]]]  # name -> type -> rdata texts


@dataclass
class DnsServer:
    zone: Zone
    silent: set[str] = field(default_factory=set)
    servfail: set[str] = field(default_factory=set)
    garbage: set[str] = field(default_factory=set)
    port: int = 0
    transports: list[str] = field(default_factory=list)  # one per query received
    _udp: asyncio.DatagramTransport | None = None
    _tcp: asyncio.Server | None = None
    _clients: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        # UDP on a free port, then TCP on the same number; retry if TCP's is taken.
        for _ in range(50):
            udp, _ = await loop.create_datagram_endpoint(
                lambda: _Udp(self), local_addr=("127.0.0.1", 0)
            )
            port = udp.get_extra_info("sockname")[1]
            try:
                self._tcp = await asyncio.start_server(self._serve_tcp, "127.0.0.1", port)
            except OSError:
                udp.close()
                continue
            self._udp, self.port = udp, port
            return
        raise RuntimeError("no port free on both UDP and TCP")

    async def stop(self) -> None:
        if self._udp is not None:
            self._udp.close()
        if self._tcp is not None:
            self._tcp.close()
            # Handlers of silent queries still hold their connections; end them too.
            for writer in list(self._clients):
                writer.close()
            await self._tcp.wait_closed()

    def answer(self, wire: bytes, transport: str) -> bytes | None:
        self.transports.append(transport)
        query = dns.message.from_wire(wire)
        question = query.question[0]
        name = question.name.to_text().lower()
        if name in self.silent:
            return None
        if name in self.garbage:
            return b"\x00\x01not a dns message"
        response = dns.message.make_response(query)
        if name in self.servfail:
            response.set_rcode(dns.rcode.SERVFAIL)
        elif name not in self.zone:
            response.set_rcode(dns.rcode.NXDOMAIN)
        else:
            kind = dns.rdatatype.to_text(question.rdtype)
            texts = self.zone[name].get(kind)
            if texts:
                response.answer.append(
                    dns.rrset.from_text_list(question.name, 300, dns.rdataclass.IN, kind, texts)
                )
        return response.to_wire()

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._clients.add(writer)
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                (size,) = struct.unpack("!H", await reader.readexactly(2))
                reply = self.answer(await reader.readexactly(size), "tcp")
                if reply is None:
                    await reader.read()  # hold the connection until the client gives up
                    break
                writer.write(struct.pack("!H", len(reply)) + reply)
                await writer.drain()
        self._clients.discard(writer)
        writer.close()


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, server: DnsServer) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # The selector loop's UDP transport does not subclass DatagramTransport.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, int]) -> None:
        reply = self.server.answer(data, "udp")
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)
