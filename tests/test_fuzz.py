"""Fuzzing every public address: whatever a visitor or a bot sends in a path
segment or a query parameter, the answer is a page, a redirect or a 4xx, never a 500.

Hypothesis generates the values: unicode from every category, control characters,
percent-escapes, numbers far out of range, very long strings. A small published site is
built once per test so that real rows are found (and real pages rendered) along the way.
"""

from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import AuthorFactory, PublishedArticleFactory, SectionFactory

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Anything a URL may carry once decoded, surrogates aside (they cannot be encoded).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)
LONG = st.text(st.characters(exclude_categories=("Cs",)), min_size=500, max_size=5000)
NUMBERISH = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["0", "-1", "1e9", "NaN", "inf", "0x10", "٣", "１", " 2", "2 ", ""]),
)
VALUE = st.one_of(TEXT, NUMBERISH, LONG)

# Every public route, with {} where a segment goes.
PATHS = [
    "/{}/",
    "/category/{}/",
    "/category/{}/{}/",
    "/category/{}/feed/",
    "/category/{}/feed/atom/",
    "/tag/{}/",
    "/tag/{}/feed/",
    "/tag/{}/feed/atom/",
    "/author/{}/",
    "/author/{}/feed/",
    "/author/{}/feed/atom/",
    "/preview/{}/",
    "/sitemap-{}.xml",
]
LISTS = [
    "/",
    "/search/",
    "/corrections/",
    "/feed/",
    "/feed/atom/",
    "/sitemap.xml",
    "/sitemap-articles.xml",
    "/news-sitemap.xml",
    "/robots.txt",
    "/2026/05/",
    "/category/politics/",
    "/tag/tehran/",
    "/author/maryam-rahimi/",
]
PARAMETERS = ["page", "q", "p", "s", "utm_source", "format", "cat", "author", "feed"]


@pytest.fixture
def site(db):
    politics = SectionFactory(name="Politics", slug="politics")
    author = AuthorFactory(slug="maryam-rahimi")
    for index in range(3):
        PublishedArticleFactory(
            slug=f"story-{index}", section=politics, authors=[author], tags=["Tehran"]
        )


def fetch(path, query=None):
    client = Client(raise_request_exception=False)
    response = client.get(path, query or {})
    assert response.status_code < 500, (path, query, response.status_code)
    return response


@FUZZ
@given(pattern=st.sampled_from(PATHS), values=st.lists(VALUE, min_size=2, max_size=2))
def test_any_path_segment_gets_an_answer_not_an_error(site, pattern, values):
    segments = [quote(value.encode(), safe="") or "x" for value in values]
    fetch(pattern.format(*segments[: pattern.count("{}")]))


@FUZZ
@given(
    path=st.sampled_from(LISTS),
    query=st.dictionaries(st.sampled_from(PARAMETERS + ["x"]), VALUE, max_size=4),
)
def test_any_query_string_gets_an_answer_not_an_error(site, path, query):
    fetch(path, query)


@FUZZ
@given(
    year=st.integers(min_value=0, max_value=99999),
    month=st.integers(min_value=0, max_value=999),
    page=NUMBERISH,
)
def test_any_archive_date_and_page_gets_an_answer_not_an_error(site, year, month, page):
    fetch(f"/{year}/{month:02d}/", {"page": page})


@FUZZ
@given(raw=st.binary(max_size=200))
def test_raw_bytes_in_the_address_get_an_answer_not_an_error(site, raw):
    fetch("/" + quote(raw, safe="") + "/")
    fetch("/search/", {"q": raw.decode("latin-1")})


@pytest.mark.parametrize(
    "path",
    [
        "/%00/",
        "/search/?q=%00",
        "/?page=%00",
        "/%ff%fe/",
        "/category/%c0%af/",
        "/" + "a" * 5000 + "/",
        "/search/?q=" + "%F0%9F%92%A9" * 2000,
        "/?p=99999999999999999999999",
        "/?p=-1",
        "/2026/13/",
        "/9999/99/",
    ],
)
def test_known_nasty_addresses_get_an_answer_not_an_error(site, path):
    client = Client(raise_request_exception=False)
    assert client.get(path).status_code < 500
