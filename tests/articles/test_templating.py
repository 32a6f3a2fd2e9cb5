"""What the reader pages' templates format (articles/templating.py), through the Jinja2
environment the pages render with: relative ages, ``<time datetime>`` and page links."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import timezone


def render(source, **context):
    return engines["jinja2"].from_string(source).render(context)


NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (timedelta(seconds=59), "just now"),
        (timedelta(seconds=60), "1 minute ago"),
        (timedelta(minutes=59, seconds=59), "59 minutes ago"),
        (timedelta(hours=1), "1 hour ago"),
        (timedelta(hours=2, minutes=30), "2 hours ago"),
        (timedelta(days=1), "1 day ago"),
        (timedelta(days=13), "1 week ago"),
        (timedelta(days=30), "1 month ago"),
        (timedelta(days=800), "2 years ago"),
    ],
)
def test_age_names_how_long_ago_in_its_largest_unit(monkeypatch, ago, text):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    assert render("{{ moment|age }}", moment=NOW - ago) == text


def test_age_of_no_time_is_empty():
    assert render("{{ moment|age }}", moment=None) == ""


def test_datetime_attribute_is_to_the_second_in_the_newsrooms_zone(settings):
    settings.TIME_ZONE = "Asia/Tehran"
    moment = datetime(2026, 3, 10, 12, 0, 5, 123456, tzinfo=UTC)
    assert render("{{ moment|datetime_attr }}", moment=moment) == "2026-03-10T15:30:05+03:30"


@pytest.mark.parametrize(
    ("query", "number", "link"),
    [
        ("", 2, "?page=2"),
        ("page=3", 1, "/category/news/"),
        ("q=saffron&page=2", 3, "?q=saffron&amp;page=3"),
        ("utm_source=mail&fbclid=x&tag=a&tag=b", 2, "?tag=a&amp;tag=b&amp;page=2"),
    ],
)
def test_page_links_keep_what_selects_content_and_drop_tracking(query, number, link):
    request = RequestFactory().get(f"/category/news/?{query}")
    assert render("{{ page_url(request, n) }}", request=request, n=number) == link


def test_absolute_page_links_keep_only_the_search_words(settings):
    settings.SITE_URL = "https://example.com"
    request = RequestFactory().get("/search/?q=saffron&utm_source=mail&page=2")
    rendered = render("{{ page_url(request, 2, absolute=True) }}", request=request)
    assert rendered == "https://example.com/search/?q=saffron&amp;page=2"


def test_interface_words_are_translated_by_language_and_escape_their_values():
    from django.utils import translation

    from ifp.jinja2 import words

    with translation.override("en"):
        english = words("Page %(number)s of %(count)s", number=1, count="<2>")
    with translation.override("fa"):
        persian = words("Page %(number)s of %(count)s", number=1, count="<2>")
    assert english == "Page 1 of &lt;2&gt;"
    assert persian != english and "&lt;2&gt;" in persian
