"""The dnspython half of kind "dns": asking, and reading the answers. Imported when a DNS
monitor first runs (or its target is validated), so a server without one never loads dnspython.

Expected values are compared in a normal form (see `_normal` and `_forms`): names lowercase
without the trailing dot, IPv6 addresses compressed; TXT values are compared exactly because
they carry case-sensitive tokens (DKIM keys, site verification codes).
"""

from __future__ import annotations

import ipaddress

import dns.asyncresolver
import dns.exception
import dns.name
import dns.nameserver
import dns.rdata
import dns.rdatatype
import dns.resolver
from dns.rdtypes.ANY.CAA import CAA
from dns.rdtypes.ANY.SOA import SOA
from dns.rdtypes.IN.A import A
from dns.rdtypes.IN.AAAA import AAAA
from dns.rdtypes.IN.SRV import SRV
from dns.rdtypes.mxbase import MXBase
from dns.rdtypes.nsbase import NSBase
from dns.rdtypes.txtbase import TXTBase

from hiccup.checks.dns_options import DnsOptions, RecordType, parse_resolver
from hiccup.checks.tcp import describe_os_error, timed_out

# Enough answers to recognise the zone in an error text without overflowing the stored column.
_MAX_SHOWN = 8


def _name(name: dns.name.Name) -> str:
    return name.to_text().lower().rstrip(".")


def _text(value: bytes) -> str:
    return value.decode("utf-8", errors="replace")


def _forms(rdata: dns.rdata.Rdata) -> tuple[str, ...]:
    """Every spelling of one answer an expected value may use; the full one first."""
    if isinstance(rdata, A | AAAA):
        return (ipaddress.ip_address(rdata.address).compressed,)
    if isinstance(rdata, NSBase):  # CNAME, NS, PTR
        return (_name(rdata.target),)
    if isinstance(rdata, MXBase):
        host = _name(rdata.exchange)
        return (f"{rdata.preference} {host}", host)
    if isinstance(rdata, TXTBase):
        return ("".join(_text(part) for part in rdata.strings),)
    return _structured_forms(rdata)


def _structured_forms(rdata: dns.rdata.Rdata) -> tuple[str, ...]:
    if isinstance(rdata, SRV):
        target = _name(rdata.target)
        return (f"{rdata.priority} {rdata.weight} {rdata.port} {target}", target)
    if isinstance(rdata, SOA):
        mname = _name(rdata.mname)
        numbers = (rdata.serial, rdata.refresh, rdata.retry, rdata.expire, rdata.minimum)
        full = " ".join([mname, _name(rdata.rname), *(str(n) for n in numbers)])
        return (full, mname)
    if isinstance(rdata, CAA):
        tag, value = _text(rdata.tag).lower(), _text(rdata.value).lower()
        return (f"{rdata.flags} {tag} {value}", f"{tag} {value}")
    return (rdata.to_text(),)


def _normal(value: str, record_type: RecordType) -> str:
    """An expected value in the form `_forms` produces."""
    if record_type == "TXT":
        return value
    tokens = [token.rstrip(".") for token in value.lower().split()]
    joined = " ".join(tokens)
    try:
        return ipaddress.ip_address(joined).compressed
    except ValueError:
        return joined


def mismatch(answers: list[dns.rdata.Rdata], options: DnsOptions) -> str | None:
    """None when every expected value is among the answers, else the error text."""
    accepted = {form for rdata in answers for form in _forms(rdata)}
    missing = [v for v in options.expected if _normal(v, options.record_type) not in accepted]
    if not missing:
        return None
    # Sorted: an RRset has no order, and the same answer should read the same every run.
    got = sorted(_forms(rdata)[0] for rdata in answers)
    shown = ", ".join(got[:_MAX_SHOWN])
    if len(got) > _MAX_SHOWN:
        shown += f" (+{len(got) - _MAX_SHOWN} more)"
    return f"expected {', '.join(missing)} got {shown}"


def describe(exc: Exception, options: DnsOptions, seconds: float) -> str:
    if isinstance(exc, dns.resolver.NXDOMAIN):
        return "NXDOMAIN: name does not exist"
    if isinstance(exc, dns.resolver.NoAnswer):
        return f"no {options.record_type} records"
    if isinstance(exc, TimeoutError | dns.exception.Timeout):
        return timed_out(seconds)
    if isinstance(exc, dns.resolver.NoNameservers):
        return _no_nameservers(exc)
    if isinstance(exc, dns.resolver.NoResolverConfiguration):
        return "no system resolver configured (/etc/resolv.conf); set the `resolver` option"
    if isinstance(exc, dns.name.NameTooLong | dns.name.LabelTooLong | dns.name.EmptyLabel):
        return f"invalid name: {exc}"
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    return f"DNS error: {type(exc).__name__}: {exc}"


def _no_nameservers(exc: dns.resolver.NoNameservers) -> str:
    errors = exc.kwargs.get("errors") or []
    if not errors:
        return "no nameserver could answer"
    server, _tcp, port, error = errors[0][:4]
    # dnspython names a server "Do53:127.0.0.1@53"; show the address people configured.
    address = str(server).split(":", 1)[-1].rsplit("@", 1)[0]
    where = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    if isinstance(error, OSError):
        return f"nameserver {where}: {describe_os_error(error)}"
    if isinstance(error, Exception):
        return f"nameserver {where} sent an invalid answer: {str(error).rstrip('.')}"
    return f"nameserver {where} answered {error}"


def valid_name(target: str) -> bool:
    text = target.strip()
    if not text or any(char in text for char in "/:@?# "):
        return False
    try:
        dns.name.from_text(text)
    except (dns.exception.DNSException, ValueError):
        return False
    return True


class Resolvers:
    """One resolver per setting: building the system one reads /etc/resolv.conf, and
    resolving does not change a resolver, so runs may share one."""

    def __init__(self) -> None:
        self._resolvers: dict[str | None, dns.asyncresolver.Resolver] = {}

    def _resolver(self, spec: str | None) -> dns.asyncresolver.Resolver:
        resolver = self._resolvers.get(spec)
        if resolver is None:
            resolver = dns.asyncresolver.Resolver(configure=spec is None)
            if spec is not None:
                address, port = parse_resolver(spec)
                resolver.nameservers = [dns.nameserver.Do53Nameserver(address, port)]
            self._resolvers[spec] = resolver
        return resolver

    async def query(self, target: str, options: DnsOptions, seconds: float) -> str | None:
        """None when the answers hold every expected value, else the error text."""
        answer = await self._resolver(options.resolver).resolve(
            dns.name.from_text(target.strip()),
            options.record_type,
            tcp=options.transport == "tcp",
            lifetime=seconds,
            search=False,
        )
        return mismatch(list(answer), options)

    def clear(self) -> None:
        self._resolvers.clear()
