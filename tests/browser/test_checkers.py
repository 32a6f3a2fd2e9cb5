"""The checkers are wired to fail: a page broken on purpose is reported by each of them.
A check that could never fail would pass every page."""

from tests.browser.checks import axe_violations, vnu_errors, vnu_jar
from tests.browser.conftest import BROWSER_DB

BROKEN_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Broken on purpose</title></head>
<body>
<main>
  <h1>A story</h1>
  <h4>A heading that skips two levels</h4>
  <p>A paragraph <div>with a block inside it</p>
  <img src="/static/img/logo.png">
  <p style="color: #bbb; background: #fff">Pale grey text on white.</p>
  <a href="/one/" id="twice">One</a> <a href="/two/" id="twice">Two</a>
</main>
</body>
</html>
"""


def test_axe_reports_a_broken_page(page):
    page.set_content(BROKEN_PAGE)

    violations = axe_violations(page)

    assert violations["image-alt"][0] == "critical"
    assert violations["color-contrast"][0] == "serious"
    assert "heading-order" in violations


def test_vnu_reports_a_broken_page(tmp_path):
    vnu_jar()
    broken = tmp_path / "broken.html"
    broken.write_text(BROKEN_PAGE)
    valid = tmp_path / "valid.html"
    valid.write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fine</title>'
        "</head><body><main><h1>Fine</h1><p>Valid.</p></main></body></html>"
    )

    errors = vnu_errors([broken, valid])

    assert list(errors) == ["broken.html"]
    found = "\n".join(errors["broken.html"])
    assert "“img” element must have an “alt” attribute" in found
    assert "Duplicate ID “twice”" in found
    assert "No “p” element in scope but a “p” end tag seen" in found


# The site's footer, broken as a careless edit could break it: a picture without alt text
# and a block inside a phrasing element.
BROKEN_FOOTER = """<footer class="site-footer">
  <img src="/static/img/logo.png" width="120" height="40">
  <span><div>Corrections</div></span>
</footer>
"""


@BROWSER_DB
def test_a_site_page_broken_on_purpose_fails_both_checks(live_url, new_page, settings, tmp_path):
    """The real home page, served by the live server and checked as every public page is,
    with its footer template replaced by a broken one."""
    vnu_jar()
    (tmp_path / "templates" / "includes").mkdir(parents=True)
    (tmp_path / "templates" / "includes" / "footer.html").write_text(BROKEN_FOOTER)
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path / "templates", *engine["DIRS"]]}]
    page = new_page()

    response = page.goto(live_url + "/")
    (tmp_path / "home.html").write_bytes(response.body())

    assert page.locator(".site-footer img").count() == 1, "the broken footer is served"
    assert axe_violations(page)["image-alt"][0] == "critical"
    found = "\n".join(vnu_errors([tmp_path / "home.html"])["home.html"])
    assert "“img” element must have an “alt” attribute" in found
    assert "Element “div” not allowed as child of element “span”" in found
