"""What every admin walk checks of a page as it looks: the CSP blocked nothing, the page is no
wider than the screen, and every visible text is readable against what is behind it."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, Page

# WCAG 2 contrast of each visible text against the background it is drawn on (the nearest
# ancestor's opaque colour), alpha blended; 4.5:1, or 3:1 for large text (24 px, or 18.66 px
# bold). Returns the texts that fall short, with their ratio.
_LOW_CONTRAST = """() => {
  const rgba = (text) => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(",").map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, below) => [0, 1, 2].map(i => top[i] * top[3] + below[i] * (1 - top[3]));
  const behind = (element) => {
    const layers = [];
    for (let e = element; e; e = e.parentElement) {
      const colour = rgba(getComputedStyle(e).backgroundColor);
      if (colour[3] > 0) layers.push(colour);
      if (colour[3] >= 1) break;
    }
    let result = [255, 255, 255];
    for (const layer of layers.reverse()) result = over(layer, result);
    return result;
  };
  const lum = (c) => {
    const f = c.map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * f[0] + 0.7152 * f[1] + 0.0722 * f[2];
  };
  const low = [];
  for (const element of document.body.querySelectorAll("*")) {
    if (element.closest("svg, script, style, .visually-hidden")) continue;
    const own = [...element.childNodes]
      .filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join(" ");
    if (!own || !element.getClientRects().length) continue;
    const style = getComputedStyle(element);
    if (style.visibility === "hidden" || Number(style.opacity) === 0) continue;
    const back = behind(element);
    const fore = over(rgba(style.color), back);
    const [a, b] = [lum(fore), lum(back)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio >= needed) continue;
    const tag = element.tagName.toLowerCase();
    low.push(`${tag} "${own.slice(0, 40)}" ${ratio.toFixed(2)}:1`);
  }
  return low;
}"""


class Watched:
    """A page whose console is kept: Chromium reports each CSP violation there."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.on("console", self._keep)

    def _keep(self, message: ConsoleMessage) -> None:
        self.console.append(message.text)

    def violations(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m]


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the screen (0 or less: it fits)."""
    found: int = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    return found


def low_contrast(page: Page) -> list[str]:
    found: list[str] = page.evaluate(_LOW_CONTRAST)
    return found


def looks_right(watched: Watched, what: str) -> None:
    """No CSP violation so far, nothing wider than the screen, every text readable."""
    page = watched.page
    assert watched.violations() == [], watched.violations()
    assert overflow(page) <= 0, f"{what} overflows by {overflow(page)} px"
    assert low_contrast(page) == [], f"{what}: hard to read: {low_contrast(page)}"
