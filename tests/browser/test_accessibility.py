"""Every public page template, at a phone's and a desktop's width, checked by axe-core
against WCAG 2.2 A/AA and axe's best practices; the keyboard path through a page; and the
article page's screenshots for the README (docs/screenshots/)."""

from pathlib import Path

import pytest

from tests.browser.checks import axe_violations, format_violations
from tests.browser.conftest import BROWSER_DB, login, public_pages

pytestmark = BROWSER_DB

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_public_pages_have_no_accessibility_violations(demo_site, live_url, new_page, width):
    reader = new_page(width)
    editor = new_page(width)
    login(editor, live_url, "editor", "editor")
    found = {}
    for name, path, as_editor in public_pages(demo_site):
        page = editor if as_editor else reader
        response = page.goto(live_url + path)
        expected = 404 if name == "not-found" else 200
        assert response.status == expected, f"{name}: {path} answered {response.status}"
        if violations := axe_violations(page):
            found[name] = violations
        if name in ("article", "fa-home", "fa-article"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
    assert not found, "axe-core found:\n" + format_violations(found)


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_keyboard_reaches_a_skip_link_first_and_every_focus_is_visible(
    demo_site, live_url, new_page, width
):
    page = new_page(width)
    page.goto(f"{live_url}/{demo_site['lead'].slug}/")

    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to content"
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["height"] > 0, "the focused skip link is on screen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.url.endswith("#main")

    # Every stop of the tab order, from the top to the end of the page, shows its focus.
    page.goto(f"{live_url}/{demo_site['lead'].slug}/")
    stops = []
    for _ in range(80):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_RING)
        if stop is None:
            break
        stops.append(stop)
    assert len(stops) > 10
    invisible = [
        stop
        for stop in stops
        if not stop["outline"] or stop["contrast"] < 3 or stop["clipped"] or not stop["on_screen"]
    ]
    assert not invisible, invisible


# The focused element's focus ring: an outline at least 2px wide, in a colour with a
# contrast of 3:1 or more against the background it is drawn on (WCAG 1.4.11), not cut off
# by a scrolling ancestor, and inside the window. None when focus has left the page.
FOCUS_RING = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el.dataset.focusSeen) return null;
  el.dataset.focusSeen = "1";
  const style = getComputedStyle(el);
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const f = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let behind = el.parentElement;
  while (behind && rgb(getComputedStyle(behind).backgroundColor)[3] === 0) {
    behind = behind.parentElement;
  }
  const [a, b] = [
    luminance(rgb(style.outlineColor)),
    luminance(behind ? rgb(getComputedStyle(behind).backgroundColor) : [255, 255, 255]),
  ];
  const box = el.getBoundingClientRect();
  const reach = Math.max(0, parseFloat(style.outlineOffset) + parseFloat(style.outlineWidth));
  let clipped = false;
  for (let up = el.parentElement; up; up = up.parentElement) {
    const s = getComputedStyle(up);
    if (s.overflowX === "visible" && s.overflowY === "visible") continue;
    const r = up.getBoundingClientRect();
    clipped ||= box.top - reach < r.top - 0.5 || box.bottom + reach > r.bottom + 0.5
      || box.left - reach < r.left - 0.5 || box.right + reach > r.right + 0.5;
  }
  return {
    element: el.tagName.toLowerCase() + " " + el.textContent.trim().slice(0, 40),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
    contrast: Math.round(((Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)) * 10) / 10,
    clipped,
    on_screen: box.bottom > 0 && box.top < innerHeight && box.width > 0 && box.height > 0,
  };
}"""
