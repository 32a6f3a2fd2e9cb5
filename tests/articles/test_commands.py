import io
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command

from articles.models import Article, Byline, Section
from staff.models import Author
from tests.images.support import run_worker

pytestmark = pytest.mark.django_db

SEED_SLUG = "palestinian-groups-appreciate-iran-leaders-stance-on-cause-of-palestine"

# The Recent Posts widget of docs/reference/seed-article-page.txt, as the seed shows it.
SEED_RECENT_POSTS = [
    (
        "Iranian legal expert lambasts internet filtering as ‘unlawful’",
        "A renowned Iranian scholar of law, who has been in headlines in recent years for…",
        "1 minute ago",
    ),
    (
        "Ex-Iranian diplomat suggests naming a street in Tehran after Egypt",
        "A former Iranian diplomat has proposed naming a street in the Iranian capital "
        "Tehran after…",
        "1 hour ago",
    ),
    (
        "Kayhan: After Syria, it’s Iraq’s turn; Israel aims to reach Euphrates",
        "Tehran-based Kayhan newspaper reported in its Saturday edition that within 48 hours "
        "of the fall…",
        "2 hours ago",
    ),
    (
        "Tehran experienced 18 days of unhealthy air in past 30 days",
        "The air quality in the Iranian capital Tehran during the past 30 days included 12…",
        "2 hours ago",
    ),
    (
        "Israeli PM to skip Auschwitz liberation event in Poland over ‘ICC arrest fears’",
        "Israeli Prime Minister Benjamin Netanyahu will not attend an event marking the 80th "
        "anniversary of…",
        "2 hours ago",
    ),
    (
        "Iran calls on France to probe killing of two nationals in shooting",
        "Iran has urged the French government to thoroughly investigate the killing of two "
        "Iranians in…",
        "2 hours ago",
    ),
]


def seed_demo(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot():
    """Every row the command writes, serialized, so two runs can be compared exactly."""
    models = [Section, Author, Article, Byline, get_user_model()]
    rows = [obj for model in models for obj in model.objects.order_by("pk")]
    return serializers.serialize("json", rows), sorted(
        (article.slug, sorted(article.tags.names())) for article in Article.objects.all()
    )


def test_seed_demo_recreates_the_seed_article_page(client):
    seed_demo()
    response = client.get(f"/{SEED_SLUG}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<p class="kicker">IFP Exclusive</p>' in html
    assert "Palestinian Groups Appreciate Iran Leader’s Stance on Cause of Palestine</h1>" in html
    assert "<p>A number of Palestinian groups have, in separate letters," in html
    assert "understands the language of force.</p>" in html
    assert 'rel="author">IFP Editorial Staff</a>' in html
    assert "The IFP Editorial Staff is composed of dozens of skilled journalists" in html
    # The demo illustration is a library picture: its small preview until the worker
    # (beside the server in make run) has made its renditions, then 16:9 renditions, on
    # the next page view (the renditions' save starts a new page-cache generation).
    assert re.search(r'<img src="/media/renditions/[^"]+/preview-\d+\.jpg"', html)
    assert "<source" not in html
    run_worker()
    html = client.get(f"/{SEED_SLUG}/").content.decode()
    assert re.search(r'<source type="image/webp" srcset="/media/renditions/[^"]+-640\.webp', html)
    assert re.search(r'<img src="/media/renditions/[^"]+\.jpg" srcset=[^>]+ alt="[^"]+"', html)
    assert "<figcaption>" in html and "IFP illustration" in html
    widget = html[html.index("Recent Posts") :]
    items = re.findall(
        r'class="recent-posts__headline" href="[^"]+">([^<]+)</a>\s*'
        r'<p class="recent-posts__excerpt">([^<]+)</p>\s*'
        r'<time class="age" datetime="[^"]+" data-age>([^<]+)</time>',
        widget,
    )
    assert items == SEED_RECENT_POSTS


def test_the_seed_pages_recent_posts_are_those_of_the_reference_copy():
    """The expectations above are read off the project's own copy of the reference page."""
    reference = Path(__file__).resolve().parents[2] / "docs/reference/seed-article-page.txt"
    widget = reference.read_text().split("Recent Posts", 1)[1]
    listed = [block.strip() for block in widget.split("\n\n") if block.strip()]
    assert [tuple(listed[i : i + 3]) for i in range(0, len(listed), 3)] == SEED_RECENT_POSTS


def test_seed_demo_is_idempotent():
    seed_demo("--admin")
    first = snapshot()
    seed_demo("--admin")
    assert snapshot() == first
    # The English seven, a live story and the Persian edition's five, in 4 + 2 sections.
    assert Article.objects.count() == 13
    assert Article.objects.published().count() == 13
    assert Section.objects.count() == 6


def test_seed_demo_keeps_an_editors_changes():
    seed_demo()
    Article.objects.filter(slug=SEED_SLUG).update(title="Edited by the desk")
    seed_demo()
    assert Article.objects.get(slug=SEED_SLUG).title == "Edited by the desk"


def test_seed_demo_admin_creates_logins_and_links_the_reporter(client):
    assert "admin / admin" in seed_demo("--admin")
    assert client.login(username="admin", password="admin")
    assert client.get("/admin/").status_code == 200
    sara = Author.objects.get(slug="sara-ahmadi")
    assert sara.user.username == "sara"
    assert not sara.user.is_superuser


def test_seed_demo_without_admin_creates_no_users():
    seed_demo()
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_fill_search_head_fills_rows_written_before_the_column():
    """``fill_search_head`` gives every article without a search_head one, in batches;
    on SQLite it says there is nothing to fill."""
    from django.db import connection

    from tests.factories import PublishedArticleFactory

    articles = PublishedArticleFactory.create_batch(3, title="Saffron prices")
    out = io.StringIO()
    if connection.vendor != "postgresql":
        call_command("fill_search_head", stdout=out)
        assert "Nothing to fill" in out.getvalue()
        return
    table = Article._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            f"ALTER TABLE {table} DISABLE TRIGGER articles_article_search_vector_trigger"
        )
        cursor.execute(f"UPDATE {table} SET search_head = NULL")
        cursor.execute(
            f"ALTER TABLE {table} ENABLE TRIGGER articles_article_search_vector_trigger"
        )
    assert not Article.objects.filter(search_head__isnull=False).exists()
    call_command("fill_search_head", "--batch-size", "2", stdout=out)
    assert "Done: 3 articles filled." in out.getvalue()
    heads = Article.objects.filter(pk__in=[a.pk for a in articles]).values_list(
        "search_head", flat=True
    )
    assert all("'saffron':1A" in str(head) for head in heads)
