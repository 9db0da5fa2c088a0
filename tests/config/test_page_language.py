"""`page.language` and `page.languages`: checked with the file, line and field, spelled one
way, and inherited by the site's other pages unless they set their own."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiccup.config.load import ConfigError, parse_config
from hiccup.notify.service import page_languages
from hiccup.snapshot.site import site_from_config

CONFIG = """\
page: {name: Flexo, language: pt-br, languages: [EN, de, en]}
components:
  - {name: amy, key: amy}
pages:
  - {name: Ops, slug: ops, components: [amy]}
  - {name: Shop, slug: shop, components: [amy], language: ja, languages: []}
"""


def test_an_unknown_language_is_named_with_where_it_is() -> None:
    with pytest.raises(ConfigError, match=r"h\.yaml:2: page\.language: unknown language 'tlh'"):
        parse_config("page:\n  language: tlh\n  name: X\n", Path("h.yaml"))


def test_codes_are_normalized_and_other_pages_inherit_unless_they_say() -> None:
    config = parse_config(CONFIG, Path("h.yaml"))
    assert config.page.language == "pt_BR"
    assert config.page.languages == ["en", "de"]  # one spelling, duplicates dropped
    looks = {page.slug: page.look for page in site_from_config(config, {}).pages}
    assert (looks["default"].language, looks["default"].languages) == ("pt_BR", ("en", "de"))
    assert (looks["ops"].language, looks["ops"].languages) == ("pt_BR", ("en", "de"))
    assert (looks["shop"].language, looks["shop"].languages) == ("ja", ())
    # Subscriber mail follows each page by its address prefix.
    assert page_languages(config) == {"": "pt_BR", "/p/ops": "pt_BR", "/p/shop": "ja"}
