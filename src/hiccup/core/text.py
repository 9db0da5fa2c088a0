"""Operator-typed Markdown (incident updates, postmortems) turned into safe HTML.

Two layers on purpose: markdown-it never emits raw HTML from the source, and nh3 then drops
anything outside a small allow-list, so a bug or a new feature in one layer cannot let a script
through on its own.
"""

from __future__ import annotations

from markupsafe import Markup

_TAGS = {"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr"}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
_URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> Markup:
    """CommonMark to HTML that is safe to embed: no raw HTML, no scripts, external links
    marked nofollow so a hijacked page cannot lend its reputation to spam."""
    # Both on the first Markdown: a page without incidents never needs them (1.5 MB for nh3).
    import nh3

    from hiccup.core.markdown_html import to_html

    html = to_html(text)
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="nofollow noopener",
    )
    return Markup(clean)
