"""Snapshot assets: each public response as bytes, gzip, ETag and its response headers, made
once per snapshot build and then only looked up; a few (the feeds) once per snapshot on their
first request instead (`Snapshot.deferred`), and then kept on disk (disk_feeds.py).
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from hiccup.auth.page_access import Guard
from hiccup.snapshot.wire import Wire, build_wire

HTML = "text/html; charset=utf-8"
JSON = "application/json"
SVG = "image/svg+xml"
ATOM = "application/atom+xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
ICS = "text/calendar; charset=utf-8"
JS = "text/javascript; charset=utf-8"


def etag_of(body: bytes) -> str:
    return f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: str
    etag: str
    gzipped: bytes  # compressed once per snapshot, not once per request
    headers: tuple[tuple[str, str], ...] = ()  # beyond the common ones: CSP, CORS, framing
    page: str | None = None  # the slug of the page it belongs to (None: the whole site)
    private: bool = False  # the page's guard must admit the reader first
    # The same document in the other languages the page offers, picked by Accept-Language at
    # serve time (web/public/serve.py); () for every asset of a one-language page.
    variants: tuple[tuple[str, Asset], ...] = field(default=(), compare=False, repr=False)
    wire: Wire = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        wire = build_wire(
            self.content_type,
            self.etag,
            len(self.body),
            len(self.gzipped),
            self.headers,
            private=self.private,
        )
        object.__setattr__(self, "wire", wire)

    @classmethod
    def of(
        cls,
        body: bytes,
        content_type: str,
        headers: Iterable[tuple[str, str]] = (),
        *,
        page: str | None = None,
        private: bool = False,
    ) -> Asset:
        packed = gzip.compress(body, 6, mtime=0)
        return cls(body, content_type, etag_of(body), packed, tuple(headers), page, private)

    def in_language(self, code: str) -> Asset:
        """The variant in language `code`; itself when the page does not offer that one."""
        return next((asset for lang, asset in self.variants if lang == code), self)

    def with_body(self, body: bytes) -> Asset:
        return replace(self, body=body, etag=etag_of(body), gzipped=gzip.compress(body, 6, mtime=0))


# Where a response is: (Host, or None for the root; path).
AssetKey = tuple[str | None, str]


@dataclass(frozen=True, slots=True)
class Later:
    """A response rendered on its first request, and the page it belongs to."""

    render: Callable[[], Asset]
    page: str
    private: bool


# Where -> how to render that response on its first request.
DeferredAssets = dict[AssetKey, Later]
# Told of each response rendered on first request, with the snapshot it was rendered for.
RenderListener = Callable[["Snapshot", AssetKey, Asset], None]


def _version(assets: Mapping[str, Asset], hosts: Mapping[str, Mapping[str, Asset]]) -> str:
    digest = hashlib.blake2b(digest_size=8)
    for path, asset in sorted(assets.items()):
        digest.update(f"{path}={asset.etag};".encode())
    for host, mapping in sorted(hosts.items()):
        for path, asset in sorted(mapping.items()):
            digest.update(f"{host}{path}={asset.etag};".encode())
    return digest.hexdigest()


def _page_versions(assets: Mapping[str, Asset]) -> dict[str, str]:
    """Each page's own version: it moves only when one of that page's responses changed, so a
    change on one page (a private one, say) wakes no reader of another."""
    digests: dict[str, hashlib.blake2b] = {}
    for path, asset in sorted(assets.items()):
        if asset.page is not None:
            digest = digests.setdefault(asset.page, hashlib.blake2b(digest_size=8))
            digest.update(f"{path}={asset.etag};".encode())
    return {page: digest.hexdigest() for page, digest in digests.items()}


@dataclass(frozen=True, slots=True)
class Snapshot:
    generated_at: datetime
    assets: dict[str, Asset] = field(default_factory=dict)
    hosts: dict[str, dict[str, Asset]] = field(default_factory=dict)  # Host -> its page at /
    guards: dict[str, Guard] = field(default_factory=dict)  # private page slug -> its guard
    zones: dict[str, str] = field(default_factory=dict)  # page slug -> time zone
    languages: dict[str, str] = field(default_factory=dict)  # page slug -> its own language
    stale_since: datetime | None = None  # set when this is the last good one, data gone
    # Rendered on their first request: the feeds and calendar, whose libraries (feedgen, lxml,
    # icalendar) a server whose feeds nobody reads never imports. Once per snapshot (kept in
    # `_rendered`); their bytes depend on the data only, so their ETags stay the same from one
    # snapshot to the next. Not in `version`: what they show is on the HTML pages too, which are.
    # Saved to disk once rendered (`on_render`, disk_feeds.py), and read back from there.
    deferred: DeferredAssets = field(default_factory=dict, compare=False, repr=False)
    # Responses this snapshot has but cannot give: read back from disk, a feed never rendered
    # before the restart (where -> its page). Answered 503, they come with the database.
    pending: dict[AssetKey, str] = field(default_factory=dict, compare=False, repr=False)
    on_render: RenderListener | None = field(default=None, compare=False, repr=False)
    version: str = field(init=False, compare=False)
    page_versions: dict[str, str] = field(init=False, compare=False)
    _rendered: dict[AssetKey, Asset] = field(
        init=False, default_factory=dict, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "version", _version(self.assets, self.hosts))
        object.__setattr__(self, "page_versions", _page_versions(self.assets))

    def version_of(self, page: str | None) -> str:
        """The version readers of `page` follow (None: the whole site)."""
        return self.version if page is None else self.page_versions.get(page, "")

    def find(self, host: str | None, path: str) -> Asset | None:
        if host is not None and self.hosts:
            mapping = self.hosts.get(host)
            if mapping is not None:
                found = mapping.get(path) or self._render(host, path)
                if found is not None:
                    return found
        return self.assets.get(path) or self._render(None, path)

    def waiting(self, host: str | None, path: str) -> str | None:
        """The page of a response this snapshot has but cannot give yet (`pending`), if any."""
        if host is not None and host in self.hosts and (host, path) in self.pending:
            return self.pending[host, path]
        return self.pending.get((None, path))

    def report_renders_to(self, listener: RenderListener) -> None:
        """Tell `listener` of each response rendered on first request (carried by `replace`)."""
        object.__setattr__(self, "on_render", listener)

    def rendered_later(self) -> dict[AssetKey, Asset]:
        """The deferred responses rendered so far."""
        return dict(self._rendered)

    def _render(self, host: str | None, path: str) -> Asset | None:
        # Called from one thread (the event loop's requests, or an export), so two readers
        # never render one twice.
        key = (host, path)
        asset = self._rendered.get(key)
        if asset is None and key in self.deferred:
            asset = self._rendered[key] = self.deferred[key].render()
            if self.on_render is not None:
                self.on_render(self, key, asset)
        return asset

    def rendered(self) -> dict[str, Asset]:
        """Every response at the root, the deferred ones rendered too (a static export)."""
        later = {path: self._render(None, path) for host, path in self.deferred if host is None}
        return {**self.assets, **{path: a for path, a in later.items() if a is not None}}
