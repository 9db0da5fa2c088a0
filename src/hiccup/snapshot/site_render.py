"""Renders the whole public site into one snapshot: for every page its HTML, incident and
maintenance pages, history, Statuspage JSON, feeds, calendar, badges and widget. The feeds
and calendar are rendered when first asked for (`Snapshot.deferred`), the rest at once.

Pure: states in, bytes out. A private page's assets are marked private and only reachable under
its own prefix (or host), so nothing of it can appear in another page's output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from importlib.resources import files

from hiccup.core.pages import narrow, page_figures, select_ids
from hiccup.core.public import PublicState
from hiccup.snapshot import statuspage
from hiccup.snapshot.assets import (
    ATOM,
    HTML,
    ICS,
    JS,
    JSON,
    RSS,
    SVG,
    Asset,
    DeferredAssets,
    Later,
    Snapshot,
)
from hiccup.snapshot.badges import INDICATOR_MESSAGES, STATUS_MESSAGES, Badge, figure_badges
from hiccup.snapshot.feeds import absolute, render_atom, render_ics, render_rss
from hiccup.snapshot.look import PageLook, csp_hash
from hiccup.snapshot.pages import (
    EMBED_CSS,
    render_embed,
    render_history,
    render_incident,
    render_maintenance,
)
from hiccup.snapshot.render import render_page
from hiccup.snapshot.site import Site, SitePage

JSON_DOCUMENTS: dict[str, Callable[[PublicState], dict[str, object]]] = {
    "/api/v2/summary.json": statuspage.summary,
    "/api/v2/status.json": statuspage.status,
    "/api/v2/components.json": statuspage.components,
    "/api/v2/incidents.json": statuspage.incidents,
    "/api/v2/incidents/unresolved.json": statuspage.unresolved_incidents,
    "/api/v2/scheduled-maintenances.json": statuspage.scheduled_maintenances,
    "/api/v2/scheduled-maintenances/upcoming.json": statuspage.upcoming_maintenances,
    "/api/v2/scheduled-maintenances/active.json": statuspage.active_maintenances,
}

# Rendered on first request: path -> (renderer, content type).
FEEDS: dict[str, tuple[Callable[[PublicState, PageLook], bytes], str]] = {
    "/history.atom": (render_atom, ATOM),
    "/history.rss": (render_rss, RSS),
    "/maintenance.ics": (render_ics, ICS),
}
# A page's responses rendered when first asked for: path -> how.
Deferred = dict[str, Later]

CORS = ("access-control-allow-origin", "*")
EMBED_CSP = (
    f"default-src 'none'; style-src {csp_hash(EMBED_CSS)}; frame-ancestors *; base-uri 'none'"
)


def static_file(name: str) -> bytes:
    return (files("hiccup.snapshot") / "static" / name).read_bytes()


def page_state(base: PublicState, page: SitePage) -> PublicState:
    """The state one page publishes: its components only, its own name and address."""
    state = base if page.keys is None else narrow(base, select_ids(base, page.keys))
    if page.default and page.name is None:
        return state
    own = replace(
        state.page,
        id=page.derived_id(base.page.id),
        slug=page.slug,
        name=page.name or base.page.name,
        url=base.page.url if page.url is None else page.url,
        time_zone=page.time_zone or base.page.time_zone,
    )
    return replace(state, page=own)


def _documents(state: PublicState, look: PageLook) -> Iterator[tuple[str, bytes, str]]:
    yield "/", render_page(state, look=look).encode(), HTML
    for incident in (*state.open_incidents, *state.recent_incidents):
        yield f"/incidents/{incident.id}", render_incident(state, incident, look).encode(), HTML
    for window in state.maintenances:
        body = render_maintenance(state, window, look).encode()
        yield f"/maintenance/{window.id}", body, HTML
    for path, html in render_history(state, look).items():
        yield path, html.encode(), HTML


def _feeds(state: PublicState, look: PageLook) -> Iterator[tuple[str, bytes, str]]:
    for path, document in JSON_DOCUMENTS.items():
        yield path, statuspage.dumps(document(state)), JSON
    for name, badge in _badges(state):
        yield f"/badge/{name}.svg", badge.svg(), SVG
        yield f"/badge/{name}.json", badge.shields_json(), JSON
    yield "/widget.js", static_file("widget.js"), JS


def _badges(state: PublicState) -> Iterator[tuple[str, Badge]]:
    message, color = INDICATOR_MESSAGES[state.indicator]
    yield "status", Badge("status", message, color)
    yield from figure_badges(page_figures(state.components))
    for component in state.components:
        if not component.key:
            continue
        message, color = STATUS_MESSAGES[component.status]
        yield f"{component.key}/status", Badge(component.name, message, color)
        for name, badge in figure_badges(component.figures, f"{component.name} "):
            yield f"{component.key}/{name}", badge


def _language_headers(look: PageLook, code: str) -> tuple[tuple[str, str], ...]:
    """A page offered in several languages tells caches the reader's choice matters."""
    if not look.languages:
        return () if code == "en" else (("content-language", code.replace("_", "-")),)
    return (
        ("vary", "accept-encoding, accept-language"),
        ("content-language", code.replace("_", "-")),
    )


def _html_assets(state: PublicState, page: SitePage, look: PageLook) -> dict[str, Asset]:
    """The page's HTML documents in its own language, each carrying its other languages."""

    def rendered(language: str) -> dict[str, Asset]:
        spoken = replace(look, language=language)
        headers = (("content-security-policy", look.csp()), *_language_headers(look, language))
        return {
            path: Asset.of(body, kind, headers, page=page.slug, private=page.private)
            for path, body, kind in _documents(state, spoken)
        }

    own = rendered(look.language)
    others = [(code, rendered(code)) for code in look.languages if code != look.language]
    if not others:
        return own
    return {
        path: replace(asset, variants=tuple((code, docs[path]) for code, docs in others))
        for path, asset in own.items()
    }


def _deferred_feeds(
    state: PublicState, page: SitePage, look: PageLook, shared: tuple[tuple[str, str], ...]
) -> Deferred:
    def renderer(path: str) -> Later:
        render, kind = FEEDS[path]
        slug, private = page.slug, page.private
        return Later(
            lambda: Asset.of(render(state, look), kind, shared, page=slug, private=private),
            slug,
            private,
        )

    return {path: renderer(path) for path in FEEDS}


def page_assets(
    state: PublicState, page: SitePage, look: PageLook
) -> tuple[dict[str, Asset], Deferred]:
    """Every response of one page, at paths relative to the page's root: those rendered now,
    and those rendered on first request."""
    private, slug = page.private, page.slug
    shared = () if private else (CORS,)
    assets = _html_assets(state, page, look)
    for path, body, kind in _feeds(state, look):
        assets[path] = Asset.of(body, kind, shared, page=slug, private=private)
    home = absolute(state, look, "/") or "/"
    embed = render_embed(state, home, look).encode()
    framed = (("content-security-policy", EMBED_CSP),)
    assets["/embed"] = Asset.of(embed, HTML, framed, page=slug, private=private)
    return assets, _deferred_feeds(state, page, look, shared)


def _prefixed(prefix: str, assets: Mapping[str, Asset]) -> dict[str, Asset]:
    moved = {f"{prefix}{path}" if path != "/" else f"{prefix}/": a for path, a in assets.items()}
    if prefix:
        moved[prefix] = assets["/"]  # "/p/internal" as well as "/p/internal/"
    return moved


def _placed(host: str | None, prefix: str, deferred: Deferred) -> DeferredAssets:
    return {(host, f"{prefix}{path}"): render for path, render in deferred.items()}


def render_site(
    bases: Mapping[str, PublicState], site: Site, generated_at: datetime | None = None
) -> Snapshot:
    """bases: each page's slug -> the instance's state read in that page's time zone."""
    assets = {"/static/live.js": Asset.of(static_file("live.js"), JS)}
    hosts: dict[str, dict[str, Asset]] = {}
    zones: dict[str, str] = {}
    languages: dict[str, str] = {}
    deferred: DeferredAssets = {}
    for page in site.pages:
        state = page_state(bases[page.slug], page)
        zones[page.slug] = state.page.time_zone
        languages[page.slug] = page.look.language
        now, later = page_assets(state, page, page.look)
        assets.update(_prefixed(page.look.prefix, now))
        deferred.update(_placed(None, page.look.prefix, later))
        if page.hosts:
            own, own_later = page_assets(state, page, replace(page.look, prefix=""))
            hosts.update(dict.fromkeys(page.hosts, own))
            for host in page.hosts:
                deferred.update(_placed(host, "", own_later))
    when = generated_at or max(s.generated_at for s in bases.values())
    return Snapshot(
        when, assets, hosts, site.guards(), zones, languages=languages, deferred=deferred
    )
