"""The reader's language: gettext catalogs for words, Babel's locale data for dates and numbers.

The catalogs ship as `.po` files under `hiccup/locale/<code>/LC_MESSAGES/hiccup.po` and are
compiled in memory with Babel the first time a language is used (once per process, a few
milliseconds): no build step, so a plain checkout and an installed wheel load the same files.

English is the source language: its catalog is the messages themselves, and every format keeps
the page's historical English spelling ("22 Nov 2026, 16:10 UTC", "99.93%"), so an English page
renders byte for byte as before.

Renderers (Jinja templates, the headline, durations) read the language of the document being
rendered from `current()`; `speaking(lang)` sets it around one render. A render is synchronous,
so the context variable never leaks from one document into another.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, TypeVar

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

if TYPE_CHECKING:
    from jinja2 import Environment

# The languages shipped with Hiccup, as their catalog folders are named (POSIX spelling).
LANGUAGES = ("en", "de", "fr", "es", "pt_BR", "ja")
DEFAULT_LANGUAGE = "en"

K = TypeVar("K")


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined; translated where it is shown."""
    return message


@dataclass(frozen=True, slots=True)
class Language:
    code: str  # "de", "pt_BR": the catalog's folder
    translations: gettext.NullTranslations = field(compare=False, repr=False)
    locale: Locale = field(compare=False, repr=False)

    @property
    def tag(self) -> str:
        """The BCP 47 tag for `<html lang>`, feeds and `Content-Language`: "pt-BR"."""
        return self.code.replace("_", "-")

    @property
    def is_source(self) -> bool:
        """English: the messages as written, formats as the page always had them."""
        return self.code == DEFAULT_LANGUAGE

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)


def normalize(code: str) -> str:
    """'pt-BR', 'pt_br', 'PT-br' -> 'pt_BR'; anything not shipped raises ValueError."""
    wanted = code.strip().replace("-", "_").lower()
    for known in LANGUAGES:
        if known.lower() == wanted:
            return known
    raise ValueError(f"unknown language {code!r} (available: {', '.join(LANGUAGES)})")


def _compiled(code: str) -> gettext.GNUTranslations:
    source = files("hiccup") / "locale" / code / "LC_MESSAGES" / "hiccup.po"
    with source.open("rb") as po:
        catalog = read_po(po, locale=code, domain="hiccup")
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def language(code: str) -> Language:
    """A shipped language by its code (any spelling `normalize` accepts), loaded once."""
    known = normalize(code)
    if known == DEFAULT_LANGUAGE:
        return Language(known, gettext.NullTranslations(), Locale.parse(known))
    return Language(known, _compiled(known), Locale.parse(known))


ENGLISH = language(DEFAULT_LANGUAGE)

_CURRENT: ContextVar[Language] = ContextVar("hiccup_language", default=ENGLISH)


def current() -> Language:
    """The language of the document being rendered (English outside `speaking`)."""
    return _CURRENT.get()


@contextmanager
def speaking(lang: Language) -> Iterator[Language]:
    token = _CURRENT.set(lang)
    try:
        yield lang
    finally:
        _CURRENT.reset(token)


def _(message: str) -> str:
    return _CURRENT.get().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _CURRENT.get().ngettext(singular, plural, n)


def gettext_callables() -> dict[str, Callable[..., Any]]:
    return {"gettext": _, "ngettext": ngettext}


def install_i18n(env: Environment) -> None:
    """Jinja's i18n extension on `env`, speaking the language set by `speaking`: `{% trans %}`
    and `_()` (new style: placeholders by name, escaped in HTML), `language_tag()` for
    `<html lang>`, and the `spoken` filter for a message chosen in Python (a status, a title)
    that stays escaped like any other value."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(**gettext_callables(), newstyle=True)  # type: ignore[attr-defined]
    env.globals["language_tag"] = lambda: current().tag
    env.filters["spoken"] = _


def negotiate(header: str, offered: tuple[str, ...]) -> str | None:
    """The first of `offered` the reader's Accept-Language wants most; None: none of them.

    "de-CH, de;q=0.9, en;q=0.5" offered ("en", "de") picks "de"; a region falls back to its
    language ("de-AT" takes "de"), and a bare language takes a regional catalog ("pt" takes
    "pt_BR"). Weights of 0 refuse; malformed parts are skipped.
    """
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        name, _sep, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        if name and weight > 0:
            ranked.append((-weight, position, name.strip().replace("_", "-").lower()))
    by_tag = {code.replace("_", "-").lower(): code for code in offered}
    for _weight, _position, tag in sorted(ranked):
        if tag == "*":
            return offered[0] if offered else None
        found = by_tag.get(tag) or by_tag.get(tag.split("-")[0])
        if found is None:
            found = next((c for t, c in by_tag.items() if t.split("-")[0] == tag), None)
        if found is not None:
            return found
    return None


class Spoken(Mapping[K, str]):
    """A table of English messages (marked with `N_`) read in the current language: templates
    look labels up as before (`component_labels[status]`) and get the reader's words."""

    def __init__(self, messages: Mapping[K, str]) -> None:
        self._messages = messages

    def __getitem__(self, key: K) -> str:
        return _(self._messages[key])

    def __iter__(self) -> Iterator[K]:
        return iter(self._messages)

    def __len__(self) -> int:
        return len(self._messages)
