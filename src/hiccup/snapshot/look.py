"""How one page looks and where it lives: branding from the config, its address prefix, and the
Content-Security-Policy that allows exactly its inline style and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from urllib.parse import urlsplit

from markupsafe import Markup

from hiccup.core.headline import HeadlineStyle


@cache
def base_css() -> str:
    text = (files("hiccup.snapshot") / "templates" / "_page.css").read_text(encoding="utf-8")
    # As Jinja's include renders it (one trailing newline dropped), so one hash fits both.
    return text.removesuffix("\n")


def csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


_CSP = (
    "default-src 'none'; style-src {style}; img-src 'self' data:{images}; script-src 'self'; "
    "connect-src 'self'; frame-ancestors {frames}; base-uri 'none'; form-action 'self'"
)


@dataclass(frozen=True, slots=True)
class PageLook:
    prefix: str = ""  # "" at the site root, "/p/<slug>" for another page
    logo_url: str | None = None
    accent_color: str | None = None
    custom_css: str = ""
    footer_links: tuple[tuple[str, str], ...] = ()  # (label, url): http(s) or mailto only
    live: bool = True  # the page's script listens to /live (off in a static export)
    subscribe: bool = False  # the page offers its own subscribe form (never in an export)
    private: bool = False
    headline: HeadlineStyle = HeadlineStyle.PROPORTIONAL  # the banner's words (core.headline)
    language: str = "en"  # the page's own language (a code of core.language.LANGUAGES)
    # More languages a reader's Accept-Language may pick; () renders the page once.
    languages: tuple[str, ...] = ()

    def href(self, path: str) -> str:
        """An address on this page: '/incidents/x' -> '/p/internal/incidents/x'."""
        return f"{self.prefix}{path}" if path != "/" else f"{self.prefix}/"

    def style(self) -> Markup:
        # Config validation keeps '<' out of custom CSS, so it cannot close the <style> element.
        extra = ""
        if self.accent_color:
            extra += f"\n:root {{ --accent: {self.accent_color}; }}"
        if self.custom_css:
            extra += "\n" + self.custom_css
        return Markup(base_css() + extra)

    def csp(self, *, framed: bool = False) -> str:
        images = ""
        if self.logo_url:
            parts = urlsplit(self.logo_url)
            images = f" {parts.scheme}://{parts.netloc}"
        return _CSP.format(
            style=csp_hash(str(self.style())), images=images, frames="*" if framed else "'none'"
        )


DEFAULT_LOOK = PageLook()
