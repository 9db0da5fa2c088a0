"""A QR code drawn on the server as inline SVG: no script, no third-party image, so the admin's
strict CSP stays as it is and the TOTP secret never leaves this server."""

from __future__ import annotations

from markupsafe import Markup


def qr_svg(text: str, title: str) -> Markup:
    """An `<svg>` element (no XML declaration) that scales with CSS; dark on a white quiet zone
    so a camera reads it in dark mode too."""
    import segno  # imported on use: only the 2FA set-up page draws one (memory of every server)

    code = segno.make(text, error="m", micro=False)
    svg = code.svg_inline(
        scale=4, border=4, dark="#000", light="#fff", title=title, svgclass="qr", lineclass=None
    )
    return Markup(svg)  # segno escapes the title; the rest is its own markup
