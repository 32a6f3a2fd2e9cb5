"""Old addresses (articles.middleware): after a move from WordPress, every kind of address
search engines and readers hold answers one 301 to the right page here (never a chain),
or 410 where nothing corresponds. The site is set up by importing a WordPress export."""

from datetime import UTC, datetime
from urllib.parse import unquote

import pytest

from articles.models import Article
from tests.articles.wxr import BASE, attachment, item, run_import, write, wxr

WHEN = datetime(2024, 5, 3, 10, 0, tzinfo=UTC)
PERSIAN = "%d8%a7%db%8c%d8%b1%d8%a7%d9%86"  # ایران, as WordPress writes it in links


@pytest.fixture
def site(tmp_path):
    rally = attachment(50, "2024/05/rally.jpg", alt="A rally", caption="")
    # Attached to the first post, at the address WordPress gives an attachment's page.
    rally = rally.replace("<wp:post_parent>0<", "<wp:post_parent>101<")
    rally = rally.replace(f"{BASE}/rally/<", f"{BASE}/2024/05/03/talks-resume/rally/<")
    orphan = attachment(51, "2024/05/lost.jpg", alt="Lost", caption="")
    export = wxr(
        item(101, "Talks resume", slug="talks-resume", date=WHEN, tags=("sanctions",)),
        item(102, "ایران", slug=PERSIAN, date=WHEN, link=f"{BASE}/{PERSIAN}/"),
        item(103, "Pulled story", slug="pulled-story", date=WHEN, status="private"),
        item(7, "About", slug="about", post_type="page", categories=(), link=f"{BASE}/about/"),
        item(8, "Team", slug="team", post_type="page", categories=(), link=f"{BASE}/about/team/"),
        rally,
        orphan,
    )
    run_import(write(tmp_path, export))


def moved(client, address, to):
    """``address`` answers one 301 to ``to``, which answers 200."""
    response = client.get(address)
    assert response.status_code == 301, address
    assert unquote(response["Location"]) == to, address
    final = client.get(response["Location"])
    assert final.status_code == 200, (address, to)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("address", "to"),
    [
        # Permalinks of any structure, with and without the AMP plugin's forms.
        ("/2024/05/03/talks-resume/", "/talks-resume/"),
        ("/news/talks-resume/", "/talks-resume/"),
        ("/2024/05/talks-resume/", "/talks-resume/"),
        ("/talks-resume/amp/", "/talks-resume/"),
        ("/2024/05/03/talks-resume/amp/", "/talks-resume/"),
        ("/amp/talks-resume/", "/talks-resume/"),
        ("/talks-resume/?amp=1", "/talks-resume/"),
        ("/talks-resume/?noamp=mobile", "/talks-resume/"),
        ("/2024/05/03/talks-resume/?amp=1", "/talks-resume/"),
        ("/?p=101", "/talks-resume/"),
        (f"/{PERSIAN}/amp/", "/ایران/"),
        # Attachment pages lead to their post.
        ("/2024/05/03/talks-resume/rally/", "/talks-resume/"),
        ("/?attachment_id=50", "/talks-resume/"),
        # Pages.
        ("/?page_id=7", "/about/"),
        ("/about/team/", "/team/"),
        # Archives with WordPress's pagination.
        ("/category/world/middle-east/iran/", "/category/iran/"),
        ("/category/iran/page/1/", "/category/iran/"),
        ("/category/world/middle-east/iran/page/1/", "/category/iran/"),
        ("/tag/sanctions/page/1/", "/tag/sanctions/"),
        ("/author/jdoe/page/1/", "/author/jdoe/"),
        ("/page/1/", "/"),
        ("/2024/", "/2024/05/"),
        ("/2024/05/03/", "/2024/05/"),
        ("/2024/05/page/1/", "/2024/05/"),
        ("/?m=202405", "/2024/05/"),
        # Feeds.
        ("/feed/rss2/", "/feed/"),
        ("/feed/rdf/", "/feed/"),
        ("/feed/rss/", "/feed/"),
        ("/category/iran/feed/rss2/", "/category/iran/feed/"),
        ("/category/world/middle-east/iran/feed/", "/category/iran/feed/"),
        ("/category/world/middle-east/iran/feed/atom/", "/category/iran/feed/atom/"),
        ("/tag/sanctions/feed/rss2/", "/tag/sanctions/feed/"),
        ("/talks-resume/feed/", "/talks-resume/"),
        ("/?feed=rss2", "/feed/"),
        ("/?feed=atom", "/feed/atom/"),
        # Search and tags by query.
        ("/?s=vienna", "/search/?q=vienna"),
        ("/?tag=sanctions", "/tag/sanctions/"),
    ],
)
def test_old_address_answers_one_301_to_a_page_that_exists(site, client, address, to):
    moved(client, address, to)


@pytest.mark.django_db
def test_pagination_past_the_first_page_keeps_its_number(site, client):
    assert client.get("/category/iran/page/3/")["Location"] == "/category/iran/?page=3"
    assert client.get("/page/2/")["Location"] == "/?page=2"
    assert client.get("/?paged=2")["Location"] == "/?page=2"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address",
    ["/2024/05/lost/", "/?attachment_id=51", "/comments/feed/", "/1999/", "/nothing-here/feed/"],
)
def test_address_with_nothing_here_answers_410(site, client, address):
    response = client.get(address)
    assert response.status_code == 410
    assert "removed" in response.content.decode()


@pytest.mark.django_db
def test_unpublished_article_is_not_redirected_to(site, client):
    assert Article.objects.get(slug="pulled-story").status == Article.Status.UNPUBLISHED
    assert client.get("/2024/05/03/pulled-story/").status_code == 404
    assert client.get("/pulled-story/amp/").status_code == 301  # to its own 404


@pytest.mark.django_db
def test_odd_query_values_are_not_errors(site, client):
    assert client.get("/?p=abc").status_code == 200
    assert client.get("/?p=" + "9" * 40).status_code == 200
    assert client.get("/?tag=a%0d%0ab")["Location"] == "/tag/a%0D%0Ab/"
    assert client.get("/?m=20241399").status_code == 200
    assert client.get("/" + "amp/" * 500).status_code in (301, 404)


@pytest.mark.django_db
def test_current_pages_are_not_touched(site, client):
    assert client.get("/talks-resume/").status_code == 200
    assert client.get("/about/").status_code == 200
    assert client.get("/category/iran/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "to"),
    [
        ("//evil.example/amp/", "/evil.example/"),
        ("/amp//evil.example/", "/evil.example/"),
        ("//evil.example/page/2/", "/evil.example/?page=2"),
        ("/\\evil.example/amp/", "/evil.example/"),
    ],
)
def test_old_address_rules_never_lead_to_another_host(site, client, path, to):
    # Sent as the raw path: the test client would read "//host/" as a host.
    response = client.get("/", PATH_INFO=path)
    assert response.status_code == 301
    assert response["Location"] == to
