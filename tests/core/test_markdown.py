"""Operator Markdown renders to safe, inert HTML."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from hiccup.core.text import render_markdown
from tests.support.public_fixtures import SEED_DDOS, SEED_UPDATE_1, assert_inert, tags_of


def test_it_returns_markup_so_templates_do_not_escape_it_again() -> None:
    assert isinstance(render_markdown("hi"), Markup)


def test_it_renders_commonmark_emphasis_lists_and_paragraphs() -> None:
    html = render_markdown("**bold** and *it*\n\n- one\n- two")
    assert "<strong>bold</strong>" in html
    assert "<em>it</em>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html


def test_seed_update_link_renders_with_nofollow() -> None:
    html = render_markdown(SEED_UPDATE_1)
    link = next(attrs for tag, attrs in tags_of(html) if tag == "a")
    assert link["href"] == "https://www.google.com/search?q=TCP+Dup+ACK"
    assert link["rel"] == "nofollow noopener"
    assert "<strong>UPDATE 1</strong> 2013-05-22" in html


def test_seed_paragraphs_keep_their_breaks_and_curly_quotes() -> None:
    html = render_markdown(SEED_DDOS)
    assert html.count("<p>") == 2
    assert "“distributed denial of service”" in html


def test_raw_html_is_shown_as_text_not_run() -> None:
    html = render_markdown("<img src=x onerror=alert(1)> <script>alert(1)</script>")
    assert_inert(html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_javascript_links_do_not_become_links() -> None:
    for body in ("[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "<javascript:alert(1)>"):
        html = render_markdown(body)
        assert_inert(html)
        assert "<a" not in html


def test_data_urls_do_not_become_links() -> None:
    html = render_markdown("[x](data:text/html;base64,PHNjcmlwdD4=)")
    assert_inert(html)
    assert "<a" not in html


def test_images_become_links_instead_of_loading_third_party_content() -> None:
    html = render_markdown("![status graph](https://example.com/graph.png)")
    assert "<img" not in html
    assert (
        '<a href="https://example.com/graph.png" rel="nofollow noopener">status graph</a>' in html
    )


def test_hostile_image_alt_text_stays_text() -> None:
    html = render_markdown('![<svg onload=alert(1)>"](https://example.com/x.png)')
    assert_inert(html)
    assert "&lt;svg onload=alert(1)&gt;" in html


def test_headings_become_bold_paragraphs_to_keep_the_page_outline() -> None:
    html = render_markdown("# Root cause\n\nA disk filled up.")
    assert "<h1" not in html
    assert "<p><strong>Root cause</strong></p>" in html


def test_mailto_and_relative_links_are_kept() -> None:
    html = render_markdown("[mail](mailto:ops@example.com) [earlier](/incidents/inc0)")
    hrefs = [attrs["href"] for tag, attrs in tags_of(html) if tag == "a"]
    assert hrefs == ["mailto:ops@example.com", "/incidents/inc0"]


def test_code_is_escaped_inside_pre() -> None:
    html = render_markdown("```\n<b>503</b>\n```")
    assert "<pre><code>&lt;b&gt;503&lt;/b&gt;\n</code></pre>" in html


@given(st.text(alphabet=st.sampled_from(list("<>\"'=:()[]!/ *_`#\nsvgjavascriptonerrorimg"))))
def test_any_text_renders_inert(text: str) -> None:
    assert_inert(render_markdown(text))
