"""Fuzzing stored content, not only addresses: whatever text an editor pastes into any text
field of any model, saved through the admin, every reader page, feed, sitemap and JSON-LD
block that shows it still answers and stays valid (core.text is the rule that makes it so).

Hypothesis writes the text: every Unicode category (control characters, emoji,
right-to-left letters, combining marks, the zero-width joiners) and lone surrogates, sent
as the (ill-formed) UTF-8 a browser might post. Settings, so that ``make test`` stays
quick: 12 examples a test, no deadline (each example is a dozen admin posts and pages),
function-scoped fixtures allowed (the site is built again inside each example).
"""

import itertools
import json
from urllib.parse import urlencode

import feedparser
import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from articles.models import Article, Section
from images.models import Image
from staff.models import Author
from tests.articles.test_admin import article_form_data
from tests.articles.test_sitemaps import XSD_DIR, combined_schema
from tests.factories import ImageFactory
from tests.images.support import change_data

CONTENT_FUZZ = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# NUL is refused by Django's forms with a clear message (tested in tests/test_bad_input.py);
# everything else an editor can paste is here, surrogates included.
CHARACTER = st.characters(blacklist_characters="\x00")
SPICE = st.sampled_from(
    ["\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\u200c", "\u200d", "\u202e", "\ufeff", "\ufffe"]
    + ["\ud800", "\udfff", "e\u0301", "🇬🇧", "🔥", "#", "&amp;", "<b>", "]]>", "ي", "ك"]
)
TEXT = st.lists(st.one_of(CHARACTER, SPICE), max_size=30).map("".join)
# Required fields: something an editor would type, then anything.
REQUIRED = TEXT.map(lambda text: "x" + text)
# At least one: a sitemap without a URL is not valid against the protocol's XSD.
TAGS = st.lists(
    REQUIRED.map(lambda text: text.replace(",", " ").replace('"', " ")), min_size=1, max_size=3
)

numbers = itertools.count()


def post(client, url, data):
    """An admin form posted as a browser would, except that text may hold lone
    surrogates: encoded with ``surrogatepass``, they arrive as ill-formed UTF-8."""
    body = urlencode(data, encoding="utf-8", errors="surrogatepass")
    response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    if response.status_code != 302:
        context = response.context
        errors = [context["adminform"].form.errors] + [
            inline.formset.errors for inline in context.get("inline_admin_formsets", [])
        ]
        raise AssertionError((url, errors))
    return response


def xml_of(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return etree.fromstring(response.content)  # well-formed, or it raises


def check_feed(client, path):
    xml_of(client, path)
    parsed = feedparser.parse(client.get(path).content)
    assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))


def check_page(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    tree = lxml_html.fromstring(response.content)
    for block in tree.xpath("//script[@type='application/ld+json']/text()"):
        json.loads(block)
    return tree


@pytest.fixture
def schemas(tmp_path):
    """The sitemap protocol's XSDs (tests/xsd/): the index, sitemaps with images, news."""
    return {
        "index": etree.XMLSchema(etree.parse(str(XSD_DIR / "siteindex.xsd"))),
        "plain": combined_schema(tmp_path, "image"),
        "news": combined_schema(tmp_path, "news"),
    }


@CONTENT_FUZZ
@given(
    section=st.fixed_dictionaries({"name": REQUIRED, "description": TEXT}),
    author=st.fixed_dictionaries({"name": REQUIRED, "job_title": TEXT, "bio": TEXT}),
    article=st.fixed_dictionaries(
        {
            "title": REQUIRED,
            "kicker": TEXT,
            "standfirst": TEXT,
            "seo_title": TEXT,
            "seo_description": TEXT,
            "image_caption": TEXT,
            "body": TEXT,
            "correction": REQUIRED,
        }
    ),
    tags=TAGS,
    picture=st.fixed_dictionaries(
        {"title": REQUIRED, "alt": REQUIRED, "caption": TEXT, "credit": TEXT}
    ),
)
def test_any_text_saved_through_the_admin_keeps_every_page_feed_and_sitemap_valid(
    admin_client, client, schemas, section, author, article, tags, picture
):
    number = next(numbers)
    post(
        admin_client,
        reverse("admin:staff_author_add"),
        {**author, "slug": f"author-{number}", "kind": "person"},
    )
    post(
        admin_client,
        reverse("admin:articles_section_add"),
        {
            **section,
            "name": f"{section['name']} {number}",
            "slug": f"section-{number}",
            "position": "0",
        },
    )
    image = ImageFactory()
    post(
        admin_client,
        reverse("admin:images_image_change", args=[image.pk]),
        change_data(image, **picture),
    )
    body = f"<p>{article['body']}</p>"
    data = article_form_data(
        Section.objects.get(slug=f"section-{number}"),
        [Author.objects.get(slug=f"author-{number}")],
        **{key: value for key, value in article.items() if key not in ("body", "correction")},
        body=body,
        slug=f"story-{number}",
        tags=", ".join(f'"{tag}"' for tag in tags),
        image=image.pk,
        _transition="publish",
    )
    data.update(
        {
            "corrections-TOTAL_FORMS": "1",
            "corrections-0-kind": "correction",
            "corrections-0-text": article["correction"],
        }
    )
    post(admin_client, reverse("admin:articles_article_add"), data)

    # What readers get: the anonymous client.
    stored = Article.objects.get(slug=f"story-{number}")
    assert Image.objects.get(pk=image.pk).alt
    check_page(client, stored.get_absolute_url())
    check_page(client, "/")
    check_page(client, stored.section.get_absolute_url())
    author_url = stored.bylines.get().author.get_absolute_url()
    check_page(client, author_url)
    feeds = ["/feed/", "/feed/atom/"]
    for base in (stored.section.get_absolute_url(), author_url):
        feeds += [f"{base}feed/", f"{base}feed/atom/"]
    for tag in stored.tags.all():
        check_page(client, reverse("articles:tag", kwargs={"slug": tag.slug}))
        feeds += [f"/tag/{tag.slug}/feed/", f"/tag/{tag.slug}/feed/atom/"]
    for path in feeds:
        check_feed(client, path)
    assert schemas["index"].validate(xml_of(client, "/sitemap.xml"))
    for part in ("articles", "sections", "tags", "authors"):
        document = xml_of(client, f"/sitemap-{part}.xml")
        assert schemas["plain"].validate(document), (part, schemas["plain"].error_log)
    news = xml_of(client, "/news-sitemap.xml")
    assert schemas["news"].validate(news), schemas["news"].error_log
