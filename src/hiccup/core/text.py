"""Operator-typed Markdown (incident updates, postmortems) turned into safe HTML.

Two layers on purpose: markdown-it never emits raw HTML from the source, and nh3 then drops
anything outside a small allow-list, so a bug or a new feature in one layer cannot let a script
through on its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup

_TAGS = {"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr"}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
_URL_SCHEMES = {"http", "https", "mailto"}


class _BodyRenderer(RendererHTML):
    """Headings in a body become bold paragraphs: a '# Update' must not outrank the incident's
    own heading and break the page's outline for screen-reader users. Images become links:
    an embedded image would load third-party content (tracking, CSP) into the page."""

    def heading_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return "<p><strong>"

    def heading_close(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return "</strong></p>\n"

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        alt = self.renderInlineAsText(token.children, options, env) or "image"
        src = escapeHtml(str(token.attrGet("src") or ""))
        return f'<a href="{src}">{escapeHtml(alt)}</a>'


_MD = MarkdownIt("commonmark", {"html": False}, renderer_cls=_BodyRenderer)


def render_markdown(text: str) -> Markup:
    """CommonMark to HTML that is safe to embed: no raw HTML, no scripts, external links
    marked nofollow so a hijacked page cannot lend its reputation to spam."""
    html = _MD.render(text)
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="nofollow noopener",
    )
    return Markup(clean)
