"""The public site in the page's language: words, dates and numbers in the HTML, the feeds and
the calendar, and one variant per language a reader may pick, kept through the disk copy."""

from __future__ import annotations

import re
from pathlib import Path

from hiccup.snapshot.assets import Asset, Snapshot
from hiccup.snapshot.disk import SnapshotDisk, mark_stale
from hiccup.snapshot.look import PageLook
from hiccup.snapshot.site import Site, SitePage
from hiccup.snapshot.site_render import render_site
from tests.support.public_fixtures import NOW
from tests.support.site_fixtures import site_state


def rendered(look: PageLook) -> Snapshot:
    state = site_state()
    site = Site((SitePage(state.page.slug, look, default=True),))
    return render_site({state.page.slug: state}, site, NOW)


def body(asset: Asset) -> str:
    return asset.body.decode()


def words(html: str) -> str:
    """What a reader sees (and a screen reader says): no style sheet, no markup."""
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_german_page_speaks_german_with_german_dates_and_decimal_commas() -> None:
    snapshot = rendered(PageLook(language="de"))
    html = body(snapshot.assets["/"])
    assert '<html lang="de">' in html
    assert "API ist ausgefallen" in html  # the headline
    assert "Aktuelle Vorfälle" in html
    assert "Frühere Vorfälle" in html
    assert "Betriebsbereit" in html  # a component's status
    assert "Verfügbarkeit der letzten 90 Tage." in html
    assert "Seit <time" in html
    assert "22. Nov. 2026, 16:10 UTC" in html  # German date order and month
    assert "99,93\u00a0% Verfügbarkeit" in html  # decimal comma, German percent spacing
    assert "43 Minuten 12 Sekunden ausgefallen" in html
    assert "3 Minuten 40 Sekunden Ausfallzeit gemessen" in html
    # Nothing of the English chrome is left.
    for english in ("Active incidents", "Past incidents", "Operational", "uptime", "Today"):
        assert english not in words(html), english
    assert dict(snapshot.assets["/"].headers)["content-language"] == "de"


def test_the_history_and_feeds_follow_the_page_language() -> None:
    snapshot = rendered(PageLook(language="de"))
    assert '<h2 id="month-2026-11">November 2026</h2>' in body(snapshot.assets["/history"])
    atom = body(snapshot.rendered()["/history.atom"])
    assert 'xml:lang="de"' in atom
    assert "Acme Hosting – Statusverlauf" in atom
    assert "API unresponsive (Ursache erkannt)" in atom  # no lower-cased German noun
    ics = body(snapshot.rendered()["/maintenance.ics"])
    assert "SUMMARY:Wartung: Kernel upgrade on amy" in ics
    embed = body(snapshot.assets["/embed"])
    assert '<html lang="de">' in embed


def test_french_and_japanese_numbers() -> None:
    french = body(rendered(PageLook(language="fr")).assets["/"])
    assert "99,93\u202f% de disponibilité" in french or "99,93\u00a0% de disponibilité" in french
    japanese = body(rendered(PageLook(language="ja")).assets["/"])
    assert "稼働率 99.93%" in japanese
    assert "2026年11月22日 16:10 UTC" in japanese


def test_a_one_language_page_has_no_variants_and_does_not_vary() -> None:
    snapshot = rendered(PageLook())
    page = snapshot.assets["/"]
    assert page.variants == ()
    assert "content-language" not in dict(page.headers)
    assert "vary" not in dict(page.headers)  # the common "accept-encoding" only
    assert '<html lang="en">' in body(page)


def test_each_offered_language_is_rendered_ahead_as_a_variant() -> None:
    snapshot = rendered(PageLook(language="en", languages=("de", "ja")))
    page = snapshot.assets["/"]
    assert [code for code, _ in page.variants] == ["de", "ja"]
    assert "Active incidents" in body(page)
    assert "Aktuelle Vorfälle" in body(page.in_language("de"))
    assert "発生中の障害" in body(page.in_language("ja"))
    assert page.in_language("fr") is page  # not offered: the page's own
    for asset in (page, page.in_language("de")):
        headers = dict(asset.headers)
        assert headers["vary"] == "accept-encoding, accept-language"
    assert dict(page.in_language("de").headers)["content-language"] == "de"
    # Every HTML document varies; feeds are in the page's own language only.
    assert snapshot.assets["/history"].variants
    assert snapshot.rendered()["/history.atom"].variants == ()


def test_variants_survive_the_disk_copy_and_go_stale_in_their_language(tmp_path: Path) -> None:
    snapshot = rendered(PageLook(language="de", languages=("en",)))
    disk = SnapshotDisk(tmp_path)
    disk.save(snapshot)
    loaded = disk.load({})
    assert loaded is not None
    assert loaded.languages == {"acme": "de"}
    page, again = snapshot.assets["/"], loaded.assets["/"]
    assert again.body == page.body
    assert again.in_language("en").body == page.in_language("en").body
    stale = mark_stale(loaded, NOW)
    german, english = stale.assets["/"], stale.assets["/"].in_language("en")
    assert "Angezeigt wird der letzte bekannte Status" in body(german)
    assert "Showing the last known status from" in body(english)
