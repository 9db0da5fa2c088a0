"""Pages, branding and private access in hiccup.yaml: checked on load, errors with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiccup.config.load import ConfigError, parse_config
from hiccup.config.model import HiccupConfig
from hiccup.snapshot.site import site_from_config

FILE = Path("hiccup.yaml")
COMPONENTS = """\
components:
  - name: Web servers
    key: web
    components:
      - name: flexo
  - name: API
    key: api
  - name: Database
    key: db
"""


def load(text: str, path: Path = FILE) -> HiccupConfig:
    return parse_config(text + COMPONENTS, path)


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(text)
    return [str(issue) for issue in caught.value.issues]


def test_branding_and_pages_load() -> None:
    config = load(
        """\
page:
  name: Acme
  logo_url: https://cdn.example.com/logo.svg
  accent_color: "#1a7f37"
  custom_css: ".banner { border-radius: 0; }"
  footer_links:
    - {label: Contact, url: "mailto:ops@example.com"}
    - {label: Home, url: "https://example.com"}
pages:
  - name: Internal
    slug: internal
    components: [db]
    hosts: [Status.Internal.Example]
    private: {password_env: HICCUP_TEST_PW, allow_networks: [10.0.0.0/8]}
"""
    )
    assert config.page.accent_color == "#1a7f37"
    assert config.pages[0].hosts == ["status.internal.example"]
    site = site_from_config(config, {"HICCUP_TEST_PW": "pw"})
    default, internal = site.pages
    assert default.keys is not None
    assert "db" not in default.keys  # only on the private page: kept off the public one
    assert internal.keys == ("db",)
    assert internal.look.prefix == "/p/internal"
    assert internal.guard is not None
    assert internal.guard.password == "pw"
    assert site.public().pages == (default,)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("page: {name: A, accent_color: red}\n", "hiccup.yaml:1: page.accent_color:"),
        (
            "page:\n  name: A\n  footer_links: [{label: x, url: 'javascript:alert(1)'}]\n",
            "hiccup.yaml:3: page.footer_links[0].url: 'javascript:alert(1)' is not an http(s)",
        ),
        (
            "page:\n  name: A\n  custom_css: '</style><script>alert(1)</script>'\n",
            "hiccup.yaml:3: page.custom_css: custom CSS must not contain '<'",
        ),
        ("page: {name: A, logo_url: 'data:image/png,x'}\n", "page.logo_url: 'data:image/png,x'"),
        (
            "page: {name: A}\npages:\n  - {name: B, slug: b, private: {}}\n",
            "hiccup.yaml:3: pages[0].private: a private page needs",
        ),
        (
            "page: {name: A}\npages:\n  - {name: B, slug: b, private: {allow_networks: [nope]}}\n",
            "'nope' is not an address or network",
        ),
        (
            "page: {name: A}\npages:\n  - {name: B, slug: default}\n",
            "hiccup.yaml:3: pages[0].slug: two pages share the slug 'default'",
        ),
        (
            "page: {name: A}\npages:\n  - name: B\n    slug: b\n    components: [web, nope]\n",
            "hiccup.yaml:5: pages[0].components[1]: no component with key 'nope'",
        ),
        (
            "page: {name: A, hosts: [a.example]}\n"
            "pages:\n  - {name: B, slug: b, hosts: [a.example]}\n",
            "pages[0].hosts[0]: 'a.example' is on two pages",
        ),
    ],
)
def test_bad_page_settings_name_file_line_and_field(text: str, expected: str) -> None:
    assert any(expected in error for error in errors_of(text)), errors_of(text)


def test_custom_css_file_is_read_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "brand.css").write_text(".masthead { background: #222; }\n")
    config = load("page: {name: A, custom_css_file: brand.css}\n", tmp_path / "hiccup.yaml")
    assert ".masthead { background: #222; }" in config.page.custom_css
    assert config.page.custom_css_file is None


def test_a_missing_or_unsafe_css_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load("page: {name: A, custom_css_file: none.css}\n", tmp_path / "hiccup.yaml")
    assert "page.custom_css_file: cannot use" in str(caught.value)
    (tmp_path / "evil.css").write_text("</style><script>alert(1)</script>")
    with pytest.raises(ConfigError) as caught:
        load("page: {name: A, custom_css_file: evil.css}\n", tmp_path / "hiccup.yaml")
    assert "must not contain '<'" in str(caught.value)


def test_without_its_password_variable_a_private_page_admits_only_its_networks() -> None:
    config = load(
        "page: {name: A}\npages:\n"
        "  - name: B\n    slug: b\n"
        "    private: {password_env: HICCUP_UNSET_PW, allow_networks: [10.0.0.0/8]}\n"
    )
    [_, private] = site_from_config(config, {}).pages
    assert private.guard is not None
    assert private.guard.password is None
