"""Every public page template, as the server sends it, passes the Nu Html Checker."""

from tests.browser.checks import vnu_errors, vnu_jar
from tests.browser.conftest import BROWSER_DB, login, public_pages

pytestmark = BROWSER_DB


def test_public_pages_are_valid_html(demo_site, live_url, new_page, tmp_path):
    vnu_jar()  # before the pages: skips (without Java) or installs the checker first
    reader = new_page()
    editor = new_page()
    login(editor, live_url, "editor", "editor")
    files = []
    for name, path, as_editor in public_pages(demo_site):
        response = (editor if as_editor else reader).goto(live_url + path)
        assert response.headers["content-type"].startswith("text/html"), name
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(response.body())
    errors = vnu_errors(files)
    assert not errors, "The Nu Html Checker found:\n" + "\n".join(
        f"{name}: {error}" for name, found in errors.items() for error in found
    )
