"""The reader's language: which one a browser gets, and words, dates and numbers in it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hiccup.core.headline import HeadlineStyle, page_headline
from hiccup.core.language import ENGLISH, current, language, negotiate, normalize, speaking
from hiccup.core.status import ComponentStatus, PageIndicator
from hiccup.core.timefmt import format_moment, format_window, humanize_duration, local_date

MOMENT = datetime(2026, 11, 22, 16, 10, tzinfo=UTC)
DOWN = ComponentStatus.MAJOR_OUTAGE
UP = ComponentStatus.OPERATIONAL


@pytest.mark.parametrize(
    ("header", "offered", "expected"),
    [
        ("de-CH, de;q=0.9, en;q=0.5", ("en", "de"), "de"),
        ("fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7", ("en", "de"), "en"),
        ("en;q=0.5, de", ("en", "de"), "de"),  # the weight decides, not the order
        ("ja", ("en", "de"), None),  # nothing offered fits: the caller keeps the page's own
        ("pt", ("en", "pt_BR"), "pt_BR"),  # a bare language takes the regional catalog
        ("pt-br", ("en", "pt_BR"), "pt_BR"),
        ("de;q=0, en;q=0.1", ("de", "en"), "en"),  # q=0 refuses
        ("*", ("es", "en"), "es"),
        ("", ("en", "de"), None),
        ("de;q=banana, fr", ("en", "fr"), "fr"),  # a malformed part is skipped
    ],
)
def test_negotiate_picks_the_readers_first_offered_language(
    header: str, offered: tuple[str, ...], expected: str | None
) -> None:
    assert negotiate(header, offered) == expected


def test_codes_are_normalized_and_unknown_ones_named() -> None:
    assert normalize("pt-BR") == normalize("pt_br") == "pt_BR"
    assert language("PT-br").tag == "pt-BR"
    with pytest.raises(ValueError, match=r"unknown language 'xx'.*available: en, de"):
        normalize("xx")


def test_english_keeps_its_spelling_outside_and_inside_a_render() -> None:
    assert current() is ENGLISH
    with speaking(language("en")):
        assert format_moment(MOMENT, "UTC") == "22 Nov 2026, 16:10 UTC"
        assert humanize_duration(timedelta(seconds=200)) == "3 minutes 20 seconds"
        assert humanize_duration(timedelta(seconds=61)) == "1 minute 1 second"


def test_german_durations_dates_and_headline() -> None:
    with speaking(language("de")):
        assert humanize_duration(timedelta(seconds=200)) == "3 Minuten 20 Sekunden"
        assert humanize_duration(timedelta(hours=1, minutes=1)) == "1 Stunde 1 Minute"
        assert format_moment(MOMENT, "Europe/Berlin") == "22. Nov. 2026, 17:10 CET"
        window = format_window(MOMENT, MOMENT + timedelta(days=1), "UTC")
        assert window == "22. Nov., 16:10 – 23. Nov., 16:10 UTC"
        assert local_date(date(2026, 11, 1), "yMMMM") == "November 2026"
        leaves = [("flexo", DOWN), ("amy", UP), ("leela", UP)]
        assert page_headline(leaves, PageIndicator.CRITICAL, HeadlineStyle.PROPORTIONAL) == (
            "flexo ist ausgefallen"
        )
        two = [("flexo", DOWN), ("amy", DOWN), ("leela", UP)]
        assert page_headline(two, PageIndicator.CRITICAL, HeadlineStyle.PROPORTIONAL) == (
            "2 von 3 Komponenten betroffen"
        )
        everything = page_headline(two, PageIndicator.NONE, HeadlineStyle.STATUSPAGE)
        assert everything == "Alle Systeme betriebsbereit"
    assert current() is ENGLISH  # the render's language does not leak


def test_japanese_has_one_plural_form_and_its_own_date_order() -> None:
    with speaking(language("ja")):
        assert humanize_duration(timedelta(seconds=61)) == "1分 1秒"
        assert format_moment(MOMENT, "Asia/Tokyo") == "2026年11月23日 01:10 JST"


def test_french_plural_rule_counts_zero_as_singular() -> None:
    with speaking(language("fr")):
        assert humanize_duration(timedelta(0)) == "0 seconde"
        assert humanize_duration(timedelta(seconds=2)) == "2 secondes"
