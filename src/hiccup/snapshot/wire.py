"""Response headers of snapshot assets, built once per asset as raw ASGI header lists, so a
request costs a dictionary lookup and a send, not header assembly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hiccup.snapshot.look import base_css, csp_hash

RawHeaders = list[tuple[bytes, bytes]]

# Short enough that a CDN or browser sees a new incident within seconds; stale-if-error lets a
# CDN keep answering for a day when Hiccup itself is unreachable.
PUBLIC_CACHE = "public, max-age=5, stale-while-revalidate=30, stale-if-error=86400"
# Private pages: never stored by a shared cache, revalidated by the browser (304s still work).
PRIVATE_CACHE = "private, no-cache"

# For anything that is not a page: no scripts, styles or frames at all.
STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# The plain 404 page: its only style is the base sheet inline, allowed by hash like every page's
# (hiccup.snapshot.look), never by 'unsafe-inline'.
NOT_FOUND_CSP = f"{STRICT_CSP}; style-src {csp_hash(base_css())}"

COMMON = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("vary", "accept-encoding"),
)


@dataclass(frozen=True, slots=True)
class Wire:
    plain: RawHeaders
    packed: RawHeaders  # gzip
    unchanged: RawHeaders  # 304


def _raw(pairs: Iterable[tuple[str, str]]) -> RawHeaders:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs]


def build_wire(
    content_type: str,
    etag: str,
    length: int,
    packed_length: int,
    extra: Iterable[tuple[str, str]],
    *,
    private: bool,
) -> Wire:
    extra = list(extra)
    names = {k for k, _ in extra}
    base = [("etag", etag), ("cache-control", PRIVATE_CACHE if private else PUBLIC_CACHE)]
    base += [pair for pair in COMMON if pair[0] not in names]
    if "content-security-policy" not in names:
        base.append(("content-security-policy", STRICT_CSP))
    if "x-frame-options" not in names and "frame-ancestors *" not in dict(extra).get(
        "content-security-policy", ""
    ):
        base.append(("x-frame-options", "DENY"))
    base += extra
    typed = [("content-type", content_type), *base]
    return Wire(
        plain=_raw([*typed, ("content-length", str(length))]),
        packed=_raw([*typed, ("content-encoding", "gzip"), ("content-length", str(packed_length))]),
        unchanged=_raw(base),
    )
