"""The Persian edition's own interface, through HTTP: the words of the page's chrome in
Persian (locale/fa/LC_MESSAGES/django.po, through Django's gettext) and its numbers in
Persian digits, on /fa/ pages only; the English pages keep their words; the translation
catalogue is complete and compiled."""

import json
import re
from datetime import timedelta
from gettext import GNUTranslations
from pathlib import Path

import lxml.html
import pytest
from django.conf import settings
from django.utils import timezone

from articles import most_read
from articles.models import Alert, ArticleViews, Page, Section
from ifp.jinja2 import environment
from tests.conftest import SITE_WIDGETS_COLD
from tests.factories import AuthorFactory, PublishedArticleFactory

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fa" / "LC_MESSAGES"
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"


@pytest.fixture
def persian_section():
    return Section.objects.create(name="سیاست", slug="سیاست", language="fa")


def persian(section, **kwargs):
    kwargs.setdefault("title", "نشست گروه\u200cهای مقاومت در تهران")
    return PublishedArticleFactory(language="fa", section=section, **kwargs)


def tree(response, status=200):
    assert response.status_code == status, response.status_code
    return lxml.html.fromstring(response.content)


def text(page, xpath):
    return " ".join(" ".join(node.itertext()) for node in page.xpath(xpath)).split()


# The chrome of each page kind


def test_persian_home_speaks_persian_with_persian_digits(client, persian_section):
    persian(persian_section)
    page = tree(client.get("/fa/"))
    assert page.xpath("//a[@class='skip-link']/text()") == ["رفتن به محتوا"]
    assert page.xpath("//nav[@class='section-nav']//li[1]/a/text()") == ["خانه"]
    assert page.xpath("//form[@id='site-search']//button/text()") == ["جست‌وجو"]
    assert page.xpath("//input[@id='site-search-q']/@placeholder") == ["جست‌وجو"]
    assert page.xpath("//h2[@id='latest-title']/text()") == ["تازه‌ترین خبرها"]
    byline = " ".join(page.xpath("//span[@class='byline']/text()")).split()
    assert byline[0] == "نوشتهٔ"
    footer = " ".join(page.xpath("//footer[@class='site-footer']//text()"))
    assert "اصلاحیه‌ها و به‌روزرسانی‌ها" in footer and "همهٔ حقوق محفوظ است." in footer
    year = str(timezone.localtime().year)
    assert year.translate(str.maketrans("0123456789", PERSIAN_DIGITS)) in footer
    assert year not in footer
    for english in ("Home", "Latest news", "Skip to content", "By ", "All rights reserved"):
        assert english not in " ".join(page.xpath("//body//text()")), english


def test_persian_article_page_speaks_persian(client, persian_section):
    article = persian(persian_section, authors=[AuthorFactory(), AuthorFactory()])
    persian(persian_section, title="خبر دیگر")
    page = tree(client.get(article.get_absolute_url()))
    assert page.xpath("//span[@class='byline']/text()")[0].strip() == "نوشتهٔ"
    assert " و " in "".join(page.xpath("//p[contains(@class, 'article__meta')]//text()"))
    assert page.xpath("//h2[@id='recent-posts-title']/text()") == ["مطالب اخیر"]
    assert page.xpath("//h2[@id='share-title']/text()") == ["هم‌رسانی این خبر"]
    labels = page.xpath("//a[contains(@class, 'share__link')]/text()")
    assert labels == ["تلگرام", "واتس‌اپ", "X", "فیسبوک", "ایمیل"]
    assert page.xpath("//button[@data-share='copy']/text()") == ["رونوشت پیوند"]
    assert page.xpath("//aside[@class='layout__aside']/@aria-label") == ["خبرهای بیشتر"]
    [script] = page.xpath("//script[@type='application/ld+json']")
    [crumbs] = [item for item in json.loads(script.text)["@graph"] if "itemListElement" in item]
    assert crumbs["itemListElement"][0]["name"] == "خانه"


def test_persian_search_counts_and_pages_in_persian_digits(client, persian_section):
    for number in range(11):
        persian(persian_section, title=f"ایران و همسایگان {number}")
    page = tree(client.get("/fa/search/", {"q": "ایران"}))
    assert page.xpath("//h1/text()") == ["جست‌وجو"]
    assert page.xpath("//p[@class='search-count']/text()") == ["۱۱ نتیجه برای «ایران»"]
    assert page.xpath("//span[@class='pagination__current']/text()") == ["صفحهٔ ۱ از ۲"]
    assert page.xpath("//a[@rel='next']/text()") == ["قدیمی‌تر"]
    none = tree(client.get("/fa/search/", {"q": "ناپیدا"}))
    assert none.xpath("//p[@class='empty']/text()") == [
        "چیزی با «ناپیدا» نمی‌خواند. واژه‌های کمتر یا دیگری را بیازمایید."
    ]


def test_persian_404_page_speaks_persian_and_leads_to_the_persian_home(client):
    page = tree(client.get("/fa/no-such-story-here/"), status=404)
    assert page.get("lang") == "fa" and page.get("dir") == "rtl"
    assert page.xpath("//h1/text()") == ["صفحه پیدا نشد"]
    assert page.xpath("//a[@class='masthead__brand']/@href") == ["/fa/"]
    assert page.xpath("//form[@role='search']/@action") == ["/fa/search/"]
    assert page.xpath("//form[@role='search']//button/text()") == ["جست‌وجو"]


def test_english_pages_keep_their_english_words(client, persian_section):
    persian(persian_section)
    PublishedArticleFactory(title="Tehran talks", authors=[AuthorFactory()])
    page = tree(client.get("/"))
    assert page.xpath("//nav[@class='section-nav']//li[1]/a/text()") == ["Home"]
    assert page.xpath("//h2[@id='latest-title']/text()") == ["Latest news"]
    assert page.xpath("//span[@class='byline']/text()")[0].strip() == "By"
    assert str(timezone.localtime().year) in " ".join(page.xpath("//footer//text()"))
    missing = tree(client.get("/no-such-story-here/"), status=404)
    assert missing.get("lang") == "en" and missing.get("dir") == "ltr"
    assert missing.xpath("//h1/text()") == ["Page not found"]
    assert missing.xpath("//a[@class='masthead__brand']/@href") == ["/"]
    assert missing.xpath("//form[@role='search']/@action") == ["/search/"]


def test_persian_feed_describes_itself_in_persian(client, persian_section):
    persian(persian_section)
    assert "تازه‌ترین خبرهای" in client.get("/fa/feed/").content.decode()
    assert "The latest news from" in client.get("/feed/").content.decode()


def test_persian_article_page_runs_the_english_pages_queries(
    client, persian_section, django_assert_num_queries
):
    """Translation reads no table: the same 4 queries as the English article page."""
    article = persian(persian_section, authors=[AuthorFactory()], tags=["یک"])
    with django_assert_num_queries(4 + SITE_WIDGETS_COLD):
        assert client.get(article.get_absolute_url()).status_code == 200


# Per-edition extras


def test_persian_footer_links_persian_standing_pages_and_english_ones_for_the_rest(client):
    published = Page.Status.PUBLISHED
    Page.objects.create(title="About us", role="about", status=published, body="<p>x</p>")
    Page.objects.create(
        title="دربارهٔ ما", slug="درباره", role="about", status=published, language="fa"
    )
    Page.objects.create(title="Contact", role="contact", status=published, body="<p>x</p>")
    fa = tree(client.get("/fa/corrections/")).xpath("//footer//a/text()")
    assert fa[:2] == ["دربارهٔ ما", "Contact"]
    en = tree(client.get("/corrections/")).xpath("//footer//a/text()")
    assert en[:2] == ["About us", "Contact"]


def test_persian_most_read_lists_only_persian_articles(client, persian_section):
    hour = most_read.hour_of(timezone.now())
    fa = persian(persian_section, title="پربازدید فارسی")
    en = PublishedArticleFactory(title="Popular in English")
    ArticleViews.objects.create(article=fa, hour=hour, count=5)
    ArticleViews.objects.create(article=en, hour=hour, count=50)
    page = tree(client.get(fa.get_absolute_url()))
    [widget] = page.xpath("//section[contains(@class, 'most-read')]")
    assert widget.xpath(".//h2/text()") == ["پربازدیدترین‌ها"]
    assert widget.xpath(".//h3/text()") == ["۲۴ ساعت گذشته", "۷ روز گذشته"]
    assert widget.xpath(".//ol[1]/li/a/text()") == ["پربازدید فارسی"]
    assert widget.xpath(".//ol[1]/li/a/@href") == [fa.get_absolute_url()]
    english = tree(client.get(en.get_absolute_url()))
    english = english.xpath("//section[contains(@class, 'most-read')]")[0]
    assert english.xpath(".//ol[1]/li/a/text()") == ["Popular in English"]


def test_an_alert_shows_in_its_edition_and_a_blank_one_in_every_edition(
    client, django_capture_on_commit_callbacks
):
    later = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        Alert.objects.create(text="فقط فارسی", language="fa", expires_at=later)
    assert "site-alert" not in client.get("/").content.decode()
    alert = tree(client.get("/fa/")).xpath("//div[contains(@class, 'site-alert')]")[0]
    assert alert.text_content().split() == ["خبر", "فوری:", "فقط", "فارسی"]
    with django_capture_on_commit_callbacks(execute=True):
        Alert.objects.create(text="Everywhere", expires_at=later)
    for path, label in (("/", "Breaking news"), ("/fa/", "خبر فوری")):
        alert = tree(client.get(path)).xpath("//div[contains(@class, 'site-alert')]")[0]
        assert alert.get("aria-label") == label, path
        assert alert.text_content().strip() == f"{label}: Everywhere", path


# An author's bio in its own language


def test_a_persian_bio_is_set_right_to_left_and_an_unknown_one_is_auto(client):
    rtl = AuthorFactory(bio="روزنامه‌نگار در تهران.", language="fa")
    unknown = AuthorFactory(bio="Writes on energy.")
    article = PublishedArticleFactory(authors=[rtl, unknown])
    page = tree(client.get(article.get_absolute_url()))
    bios = page.xpath("//div[@class='author-box__bio']")
    assert [(bio.get("lang"), bio.get("dir")) for bio in bios] == [("fa", "rtl"), (None, "auto")]
    profile = tree(client.get(rtl.get_absolute_url()))
    [bio] = profile.xpath("//div[@class='author-profile__bio']")
    assert (bio.get("lang"), bio.get("dir")) == ("fa", "rtl")
    [bio] = tree(client.get(unknown.get_absolute_url())).xpath(
        "//div[@class='author-profile__bio']"
    )
    assert (bio.get("lang"), bio.get("dir")) == (None, "auto")


def test_an_author_edits_the_language_of_the_bio_in_the_admin(admin_client):
    author = AuthorFactory(bio="روزنامه‌نگار.")
    form = tree(admin_client.get(f"/admin/staff/author/{author.pk}/change/"))
    assert [o.get("value") for o in form.xpath("//select[@name='language']/option")] == [
        "",
        "en",
        "fa",
    ]


# The catalogue


def po_entries(path):
    """``{msgid: (msgstr or [plural msgstrs], flags)}`` of a .po file: its strings only,
    enough for a catalogue written as this project writes it."""
    entries, flags, current, key = {}, set(), {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif match := re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$', line):
            key = match[1]
            current[key] = eval(match[2])  # a C string literal, which Python reads alike
        elif line.startswith('"') and key:
            current[key] += eval(line)
        elif not line.strip() and current:
            if current.get("msgid"):
                plural = sorted(k for k in current if k.startswith("msgstr["))
                value = [current[k] for k in plural] if plural else current["msgstr"]
                entries[current["msgid"]] = (value, flags, current.get("msgid_plural"))
            flags, current, key = set(), {}, None
    return entries


def test_the_compiled_catalogue_has_every_entry_of_the_po_file_unfuzzy():
    entries = po_entries(CATALOGUE / "django.po")
    with open(CATALOGUE / "django.mo", "rb") as mo:
        compiled = GNUTranslations(mo)
    assert entries
    for msgid, (value, flags, plural) in entries.items():
        assert "fuzzy" not in flags, msgid
        if plural is None:
            assert value and compiled.gettext(msgid) == value, msgid
        else:
            assert compiled.ngettext(msgid, plural, 1) == value[0], msgid
            assert compiled.ngettext(msgid, plural, 2) == value[1], msgid


def test_every_word_the_reader_templates_translate_is_in_the_catalogue():
    entries = po_entries(CATALOGUE / "django.po")
    env = environment(loader=None)
    templates = Path(settings.BASE_DIR) / "templates" / "jinja2"
    wanted = set()
    for template in templates.rglob("*.html"):
        for _line, _function, message in env.extract_translations(template.read_text()):
            wanted.add(message[0] if isinstance(message, tuple) else message)
    assert wanted and not wanted - set(entries)
