"""Real TLS peers on 127.0.0.1 for the tls check: certificates from a trustme CA with chosen
expiry dates, a self-signed one made with cryptography, and hostile servers."""

from __future__ import annotations

import asyncio
import ssl
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOST_NAME = "status.example.test"


def leaf_context(ca: trustme.CA, *, expires_in: timedelta) -> ssl.SSLContext:
    """A server context whose certificate, for HOST_NAME and 127.0.0.1, ends after `expires_in`
    (negative: already expired)."""
    return leaf(ca, expires_in=expires_in)[0]


def leaf(ca: trustme.CA, *, expires_in: timedelta) -> tuple[ssl.SSLContext, bytes]:
    """leaf_context's context and the DER bytes of the certificate it serves."""
    now = datetime.now(UTC)
    cert = ca.issue_cert(
        HOST_NAME,
        "127.0.0.1",
        common_name=HOST_NAME,
        not_before=min(now, now + expires_in) - timedelta(days=30),
        not_after=now + expires_in,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    der = ssl.PEM_cert_to_DER_cert(cert.cert_chain_pems[0].bytes().decode())
    return context, der


def self_signed_context() -> ssl.SSLContext:
    return self_signed()[0]


def self_signed() -> tuple[ssl.SSLContext, bytes]:
    """A context serving a self-signed certificate for HOST_NAME, valid 90 days from now, and
    the certificate's DER bytes."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST_NAME)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST_NAME)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    with tempfile.TemporaryDirectory() as folder:
        cert_path, key_path = Path(folder) / "cert.pem", Path(folder) / "key.pem"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_path, key_path)
    return context, cert.public_bytes(serialization.Encoding.DER)


@dataclass
class Peer:
    """A loopback listener: a TLS server, or (context None) a hostile plain TCP one that either
    says `greeting` or says nothing at all and holds the connection."""

    context: ssl.SSLContext | None = None
    greeting: bytes | None = None
    port: int = 0
    server: asyncio.Server | None = None
    _held: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.context)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.context is None and self.greeting is None:
            self._held.add(writer)
            await reader.read()  # never handshake; wait for the client to give up
            self._held.discard(writer)
        elif self.greeting is not None:
            writer.write(self.greeting)
            await writer.drain()
        writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            for writer in list(self._held):
                writer.close()
            await self.server.wait_closed()
