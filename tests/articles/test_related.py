"""Related stories under an article (articles/related.py), through the article page."""

from datetime import timedelta

import lxml.html
import pytest
from django.utils import timezone

from tests.conftest import SITE_WIDGETS_WARM
from tests.factories import (
    DraftArticleFactory,
    PublishedArticleFactory,
    ScheduledArticleFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db


def related_titles(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    page = lxml.html.fromstring(response.content)
    return page.xpath('//section[@class="related"]//a[@class="related__headline"]/text()')


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def test_related_by_shared_tags_then_section_never_itself(client):
    politics, economy = SectionFactory(), SectionFactory()
    article = PublishedArticleFactory(section=politics, tags=["Oil", "Sanctions"])
    PublishedArticleFactory(title="Both tags", section=economy, tags=["Oil", "Sanctions"])
    PublishedArticleFactory(title="One tag", section=economy, tags=["Oil"])
    PublishedArticleFactory(title="Same section", section=politics)
    PublishedArticleFactory(title="Unrelated", section=economy, tags=["Football"])
    DraftArticleFactory(title="A draft", section=politics, tags=["Oil"])
    ScheduledArticleFactory(title="Embargoed", section=politics, tags=["Oil"])
    assert related_titles(client, article) == ["Both tags", "One tag", "Same section"]


def test_recent_stories_come_before_older_better_matches(client, settings):
    settings.RELATED_RECENT_DAYS = 30
    section = SectionFactory()
    article = PublishedArticleFactory(section=section, tags=["Oil"])
    PublishedArticleFactory(
        title="Old, same tag", section=section, tags=["Oil"], published_at=ago(days=90)
    )
    PublishedArticleFactory(
        title="Recent, same section", section=section, published_at=ago(days=2)
    )
    assert related_titles(client, article) == ["Recent, same section", "Old, same tag"]


def test_at_most_six_related_stories_newest_first_among_equals(client):
    section = SectionFactory()
    article = PublishedArticleFactory(section=section)
    for days in range(1, 10):
        PublishedArticleFactory(title=f"{days} days", section=section, published_at=ago(days=days))
    assert related_titles(client, article) == [f"{days} days" for days in range(1, 7)]


def test_no_related_section_when_nothing_fits(client):
    article = PublishedArticleFactory()
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'class="related"' not in html


def test_related_stories_cost_one_query_however_many_match(
    client, django_assert_num_queries, warm_site
):
    """The article's 3 queries (no correction) and one for the related stories, whatever
    the number of tags and candidates."""
    section = SectionFactory()
    article = PublishedArticleFactory(section=section, tags=[f"t{n}" for n in range(8)])
    for n in range(12):
        PublishedArticleFactory(section=section, tags=[f"t{n % 8}", f"t{(n + 1) % 8}"])
    warm_site()
    with django_assert_num_queries(4 + SITE_WIDGETS_WARM):
        assert len(related_titles(client, article)) == 6


def test_related_stories_of_a_persian_article_are_persian_and_cost_no_query_each(
    client, django_assert_num_queries
):
    """A tag shared across the editions never brings an English story under a Persian one,
    and each story's address (which depends on its language) is read with it."""
    persian_section = SectionFactory(language="fa", slug="fa-news", name="اخبار")
    PublishedArticleFactory(title="English, same tag", tags=["oil"])
    article, *others = [
        PublishedArticleFactory(
            title=f"خبر {n}", section=persian_section, language="fa", tags=["oil"]
        )
        for n in range(3)
    ]
    titles = related_titles(client, article)
    assert sorted(titles) == sorted(other.title for other in others)
    with django_assert_num_queries(4 + SITE_WIDGETS_WARM):
        assert client.get(article.get_absolute_url()).status_code == 200


def test_a_story_sharing_a_rare_tag_is_found_behind_many_newer_stories_of_a_common_one(client):
    """Each tag's newest stories are candidates of their own: the many newer stories of a
    common tag do not crowd out an older story that shares the rare one too (as one list
    of the newest taggings of all the tags, they did)."""
    home, elsewhere = SectionFactory(), SectionFactory()
    older = PublishedArticleFactory(
        title="Shares both tags",
        section=elsewhere,
        tags=["Iran", "Qeshm"],
        published_at=ago(days=3),
    )
    for n in range(70):
        PublishedArticleFactory(
            title=f"Common {n}", section=elsewhere, tags=["Iran"], published_at=ago(hours=n + 1)
        )
    article = PublishedArticleFactory(section=home, tags=["Iran", "Qeshm"])
    titles = related_titles(client, article)
    assert titles[0] == older.title
    assert len(titles) == 6
