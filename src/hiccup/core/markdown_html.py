"""markdown-it with Hiccup's body renderer: its own module so markdown-it is imported when the
first piece of Markdown is rendered (an incident update, say), not by every process.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict


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


def to_html(text: str) -> str:
    """CommonMark to HTML, raw HTML in the source left as text; not yet sanitised."""
    html: str = _MD.render(text)
    return html
