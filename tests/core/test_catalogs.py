"""Every shipped catalog covers every message the sources use, with the same placeholders.

The messages are extracted here with Babel's own extraction API over the sources, as
`pybabel extract -F babel.cfg` does (docs/languages.md), so a new `_()` or `{% trans %}`
without translations fails this test rather than showing English on a German page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from hiccup.core.language import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "src" / "hiccup" / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")

Message = str | tuple[str, str]


@cache
def extracted() -> frozenset[Message]:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    found: set[Message] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return frozenset(found)


def catalog(code: str) -> Catalog:
    with (LOCALE / code / "LC_MESSAGES" / "hiccup.po").open("rb") as po:
        return read_po(po, locale=code)


def messages(of: Catalog) -> dict[Message, str | tuple[str, ...]]:
    found: dict[Message, str | tuple[str, ...]] = {}
    for m in of:
        if m.id and not m.fuzzy:
            key = m.id if isinstance(m.id, str) else (m.id[0], m.id[1])
            found[key] = m.string if isinstance(m.string, str) else tuple(m.string or ())
    return found


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def forms(singular_plural: Message, translated: str | tuple[str, ...]) -> Iterator[str]:
    yield from [translated] if isinstance(translated, str) else translated


def test_the_sources_have_the_messages_we_expect() -> None:
    # A sanity check on the extraction itself: Python (N_, ngettext) and Jinja (trans) both.
    found = extracted()
    assert "Operational" in found  # N_ in core/status.py
    assert "%(name)s is down" in found  # core/headline.py
    assert ("%(num)d minute", "%(num)d minutes") in found  # core/timefmt.py
    assert "Skip to content" in found  # snapshot templates
    assert "Confirm your subscription" in found  # mail templates
    assert "Email address" in found  # the subscribe form
    assert len(found) > 100


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_catalog_translates_every_message(code: str) -> None:
    translated = messages(catalog(code))
    missing = sorted(map(str, extracted() - translated.keys()))
    assert not missing, f"{code}: untranslated {missing}"
    empty = [str(k) for k, v in translated.items() if not all(forms(k, v))]
    assert not empty, f"{code}: empty translations {empty}"


@pytest.mark.parametrize("code", LANGUAGES)
def test_translations_keep_the_placeholders(code: str) -> None:
    wrong = []
    for message, translated in messages(catalog(code)).items():
        source = message if isinstance(message, str) else message[1]
        for text in forms(message, translated):
            if placeholders(text) != placeholders(source):
                wrong.append((message, text))
            # Jinja's new-style gettext formats every message: a lone % would raise.
            if "%" in PLACEHOLDER.sub("", text).replace("%%", ""):
                wrong.append((message, text))
    assert not wrong, f"{code}: {wrong}"


@pytest.mark.parametrize("code", LANGUAGES)
def test_plural_messages_have_each_form_of_the_language(code: str) -> None:
    expected = get_plural(code).num_plurals
    for message, translated in messages(catalog(code)).items():
        if not isinstance(message, str):
            assert isinstance(translated, tuple)
            assert len(translated) == expected, (code, message)


def test_the_committed_template_is_up_to_date() -> None:
    with (LOCALE / "hiccup.pot").open("rb") as pot:
        template = set(messages(read_po(pot)))
    assert template == set(extracted()), "run the extract command in docs/languages.md"


def test_no_catalog_holds_stale_messages() -> None:
    # Obsolete entries confuse translators: `pybabel update` drops them; so must we.
    for code in LANGUAGES:
        extra = set(messages(catalog(code))) - extracted()
        assert not extra, f"{code}: {sorted(map(str, extra))}"
