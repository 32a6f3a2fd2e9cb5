"""The story editor's toolbar draws every button with what any machine has: the icon font
that django-prose-editor serves itself, plain ASCII text, or shapes drawn in CSS. A
character that needs a font of the machine's own (the package's "⏷" for its drop-down
arrow is in neither DejaVu nor Liberation, Debian's default fonts) shows as an empty box.
Also saves docs/screenshots/admin-editor-toolbar-desktop.png, with the drop-down open."""

from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import BROWSER_DB, login

pytestmark = BROWSER_DB

ADD = "/admin/articles/article/add/"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# What each part of the toolbar shows, read in the page: for every button, option and the
# drop-down's face (hidden ones too, measured on a visible copy), its icon font if any, the
# width of its text against the font size (an icon font's ligature is one glyph a font size
# wide; a missing one is a row of letters, or nothing), its own text and the text its
# ::before and ::after put on screen.
READ_TOOLBAR = """() => {
  const menubar = document.querySelector(".prose-menubar");
  const probe = document.createElement("div");
  probe.className = "prose-menubar__group";
  menubar.append(probe);
  const generated = (el, which) => {
    const content = getComputedStyle(el, which).content;
    if (content === "none" || content === "normal") return "";
    const quoted = content.match(/^"(.*)"$/s);
    if (quoted) return quoted[1];
    const attr = content.match(/^attr\\(([-\\w]+)\\)$/);
    if (attr) return el.getAttribute(attr[1]) || "";
    return content;
  };
  const parts = [];
  const selector = "button, .prose-menubar__selected";
  for (const original of menubar.querySelectorAll(selector)) {
    if (probe.contains(original)) continue;
    const el = original.cloneNode(true);
    el.classList.remove("hidden");
    probe.append(el);
    const style = getComputedStyle(el);
    const range = document.createRange();
    range.selectNodeContents(el);
    const icons = el.classList.contains("material-icons");
    parts.push({
      name: original.dataset.name || original.className,
      icons,
      iconFontLoaded: icons && document.fonts.check(`${style.fontSize} "Material Icons"`),
      ratio: range.getBoundingClientRect().width / parseFloat(style.fontSize),
      svg: !!el.querySelector("svg"),
      text: icons ? "" : el.textContent,
      before: generated(el, "::before"),
      after: generated(el, "::after"),
    });
    el.remove();
  }
  probe.remove();
  return parts;
}"""


def is_plain_ascii(text):
    """Printable ASCII, which every font a browser falls back to draws."""
    return all(" " <= character <= "~" for character in text)


def unsafe_parts(parts):
    """The parts of the toolbar that may show an empty box, each with why."""
    found = []
    for part in parts:
        if part["icons"] and not part["iconFontLoaded"]:
            found.append((part["name"], "its icon font is not loaded"))
        if part["icons"] and part["ratio"] is not None and not 0.5 <= part["ratio"] <= 1.5:
            found.append((part["name"], f"no icon for its name ({part['ratio']:.1f} em)"))
        for where in ("text", "before", "after"):
            if not is_plain_ascii(part[where]):
                found.append((part["name"], f"{where} {part[where]!r} needs a font of its own"))
    return found


def test_every_toolbar_button_draws_with_what_any_machine_has(demo_site, live_url, page):
    login(page, live_url, "sara", "sara", next_path=ADD)
    expect(page.locator(".prose-menubar")).to_be_visible()
    page.evaluate("document.fonts.ready.then(() => true)")

    parts = page.evaluate(READ_TOOLBAR)
    names = {part["name"] for part in parts}
    assert {"bold", "italic", "link", "figure", "paragraph", "heading2"} <= names
    assert not unsafe_parts(parts), unsafe_parts(parts)

    # In a heading the drop-down's face turns into the heading button, with its level.
    page.locator(".ProseMirror[contenteditable=true]").click()
    page.locator(".prose-menubar__selected").click()
    page.locator(".prose-menubar__picker button[data-name=heading2]").click()
    page.keyboard.type("A subheading")
    face = page.locator(".prose-menubar__selected button")
    expect(face).to_have_attribute("data-level", "2")
    parts = page.evaluate(READ_TOOLBAR)
    assert not unsafe_parts(parts), unsafe_parts(parts)

    # The drop-down's arrow is drawn, not a character: something of its own size is there.
    arrow = page.evaluate(
        """() => {
          const style = getComputedStyle(
            document.querySelector(".prose-menubar__selected"), "::after");
          return {content: style.content, width: parseFloat(style.borderTopWidth) +
                  parseFloat(style.borderLeftWidth) + parseFloat(style.borderRightWidth)};
        }"""
    )
    assert arrow["content"] == '""' and arrow["width"] > 0, arrow

    page.locator(".prose-menubar__selected").click()
    expect(page.locator(".prose-menubar__picker")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".field-body").screenshot(path=SCREENSHOTS / "admin-editor-toolbar-desktop.png")
