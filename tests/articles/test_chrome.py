"""The site's header and footer (articles/chrome.py), kept rendered in each process for
what they show: through HTTP, every page's header and footer must be exactly what a fresh
render gives, in its edition, with its address marked, and follow every change at once."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import PublishedArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def header(client, path):
    response = client.get(path)
    assert response.status_code == 200
    found = re.search(r'<header class="site-header">.*?</header>', response.content.decode(), re.S)
    assert found, f"{path} has no site header"
    return found.group(0)


def footer(client, path):
    html = client.get(path).content.decode()
    found = re.search(r'<footer class="site-footer">.*?</footer>', html, re.S)
    assert found, f"{path} has no site footer"
    return found.group(0)


def marked(html):
    return re.findall(r'<a href="([^"]*)" aria-current="page">', html)


def test_each_page_marks_its_own_address_in_the_navigation(client):
    politics = SectionFactory(name="Politics", slug="politics")
    world = SectionFactory(name="World", slug="world")
    article = PublishedArticleFactory(section=politics)
    PublishedArticleFactory(section=world)
    # The same kept header must not carry one page's mark to another.
    assert marked(header(client, "/category/politics/")) == ["/category/politics/"]
    assert marked(header(client, "/category/world/")) == ["/category/world/"]
    assert marked(header(client, "/")) == ["/"]
    assert marked(header(client, article.get_absolute_url())) == []
    assert marked(header(client, "/category/politics/")) == ["/category/politics/"]


def test_each_edition_has_its_own_header_and_footer(client):
    PublishedArticleFactory(title="English story")
    PublishedArticleFactory(title="خبر فارسی", language="fa")
    english, persian = header(client, "/"), header(client, "/fa/")
    assert english != persian
    assert ">Home</a>" in english and ">Home</a>" not in persian
    assert 'href="/fa/"' in english
    assert 'action="/fa/search/"' in persian
    assert header(client, "/") == english
    assert footer(client, "/fa/") != footer(client, "/")


def test_a_section_renamed_shows_in_the_header_of_every_page_at_once(client):
    politics = SectionFactory(name="Politics", slug="politics")
    article = PublishedArticleFactory(section=politics)
    assert ">Politics</a>" in header(client, article.get_absolute_url())
    politics.name = "Politics and Power"
    politics.save()
    for path in (article.get_absolute_url(), "/", "/category/politics/"):
        assert ">Politics and Power</a>" in header(client, path)


def test_the_footer_year_turns_with_the_calendar(client, monkeypatch):
    PublishedArticleFactory()
    this_year = timezone.localtime().year
    assert f"&copy; {this_year} " in footer(client, "/")
    later = timezone.now() + timedelta(days=366)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert f"&copy; {timezone.localtime(later).year} " in footer(client, "/")


def test_the_site_name_is_read_afresh_when_the_setting_changes(client, settings):
    PublishedArticleFactory()
    assert settings.SITE_NAME in header(client, "/")
    settings.SITE_NAME = "A Renamed Desk"
    assert "A Renamed Desk" in header(client, "/")
    assert "A Renamed Desk" in footer(client, "/")


def test_other_template_folders_are_read_at_once(client, settings, tmp_path):
    """A new TEMPLATES setting (another folder first) is a new template engine: its
    footer is rendered, not the one kept from the engine before."""
    PublishedArticleFactory()
    assert "Replaced footer" not in footer(client, "/")
    (tmp_path / "includes").mkdir()
    (tmp_path / "includes" / "footer.html").write_text(
        '<footer class="site-footer"><p>Replaced footer</p></footer>'
    )
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}, *settings.TEMPLATES[1:]]
    assert "Replaced footer" in footer(client, "/")
