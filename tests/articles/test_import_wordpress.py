"""The WordPress importer: WXR files written here as WordPress's Tools → Export
writes them, imported with ``import_wordpress``, checked through the command's report,
the database and the pages and redirects readers get."""

import html
import io
import re
from datetime import UTC, timedelta
from urllib.parse import unquote

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from lxml import etree
from PIL import Image
from taggit.models import Tag

from articles import importer, wordpress, workflow
from articles.models import (
    Article,
    Byline,
    Comment,
    ImportedPost,
    Page,
    Redirect,
    Section,
    WorkflowEvent,
)
from images.models import Image as LibraryImage
from images.uploads import ACCEPTED
from staff.models import Author

BASE = "https://old.example"
WP_DATE = "%Y-%m-%d %H:%M:%S"
PAST = object()  # item()'s default date: a month ago

# Two writers; Jane has an account on the new site already (see the tests that say so).
AUTHORS = [
    {"id": 2, "login": "jdoe", "email": "Jane@Old.Example", "name": "Jane Doe"},
    {"id": 3, "login": "omid", "email": "omid@old.example", "name": "Omid Karimi"},
]
# World > Middle East > Iran, nested three deep, and a top-level Politics.
CATEGORIES = [
    {"id": 3, "nicename": "world", "parent": "", "name": "World"},
    {"id": 4, "nicename": "middle-east", "parent": "world", "name": "Middle East"},
    {"id": 5, "nicename": "iran", "parent": "middle-east", "name": "Iran"},
    {"id": 6, "nicename": "politics", "parent": "", "name": "Politics"},
]
TAGS = [{"id": 9, "slug": "sanctions", "name": "Sanctions"}]


def cdata(text):
    return f"<![CDATA[{text}]]>"


def wp_date(moment):
    return moment.astimezone(UTC).strftime(WP_DATE) if moment else "0000-00-00 00:00:00"


def past(days=30):
    return (timezone.now() - timedelta(days=days)).replace(microsecond=0)


def author_xml(author):
    return (
        f"\t<wp:author><wp:author_id>{author['id']}</wp:author_id>"
        f"<wp:author_login>{cdata(author['login'])}</wp:author_login>"
        f"<wp:author_email>{cdata(author['email'])}</wp:author_email>"
        f"<wp:author_display_name>{cdata(author['name'])}</wp:author_display_name>"
        f"<wp:author_first_name>{cdata('')}</wp:author_first_name>"
        f"<wp:author_last_name>{cdata('')}</wp:author_last_name></wp:author>\n"
    )


def category_xml(category):
    return (
        "\t<wp:category>\n"
        f"\t\t<wp:term_id>{category['id']}</wp:term_id>\n"
        f"\t\t<wp:category_nicename>{cdata(category['nicename'])}</wp:category_nicename>\n"
        f"\t\t<wp:category_parent>{cdata(category['parent'])}</wp:category_parent>\n"
        f"\t\t<wp:cat_name>{cdata(category['name'])}</wp:cat_name>\n"
        "\t</wp:category>\n"
    )


def tag_xml(tag):
    return (
        "\t<wp:tag>\n"
        f"\t\t<wp:term_id>{tag['id']}</wp:term_id>\n"
        f"\t\t<wp:tag_slug>{cdata(tag['slug'])}</wp:tag_slug>\n"
        f"\t\t<wp:tag_name>{cdata(tag['name'])}</wp:tag_name>\n"
        "\t</wp:tag>\n"
    )


def item(
    wp_id,
    title,
    *,
    slug=None,
    post_type="post",
    status="publish",
    date=PAST,
    creator="jdoe",
    content="Plain text.",
    excerpt="",
    categories=("iran",),
    tags=(),
    meta=None,
    sticky=False,
    link=None,
    attachment_url=None,
):
    """One <item>, laid out as WordPress's export.php writes it."""
    date = past() if date is PAST else date  # None: WordPress's empty date, as on drafts
    slug = slug if slug is not None else re.sub(r"\W+", "-", title.lower()).strip("-")
    if link is None:
        link = f"{BASE}/{date:%Y/%m/%d}/{slug}/" if date else f"{BASE}/?p={wp_id}"
    names = {c["nicename"]: c["name"] for c in CATEGORIES}
    tag_names = {t["slug"]: t["name"] for t in TAGS}
    terms = "".join(
        f'\t\t<category domain="category" nicename="{n}">{cdata(names.get(n, n))}</category>\n'
        for n in categories
    ) + "".join(
        f'\t\t<category domain="post_tag" nicename="{n}">{cdata(tag_names.get(n, n))}</category>\n'
        for n in tags
    )
    postmeta = "".join(
        "\t\t<wp:postmeta>\n"
        f"\t\t\t<wp:meta_key>{cdata(key)}</wp:meta_key>\n"
        f"\t\t\t<wp:meta_value>{cdata(value)}</wp:meta_value>\n"
        "\t\t</wp:postmeta>\n"
        for key, value in (meta or {}).items()
    )
    local = date + timedelta(hours=4, minutes=30) if date else None
    return (
        "\t<item>\n"
        f"\t\t<title>{cdata(title)}</title>\n"
        f"\t\t<link>{link}</link>\n"
        f"\t\t<pubDate>{(date or past()).strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>\n"
        f"\t\t<dc:creator>{cdata(creator)}</dc:creator>\n"
        f'\t\t<guid isPermaLink="false">{BASE}/?p={wp_id}</guid>\n'
        "\t\t<description></description>\n"
        f"\t\t<content:encoded>{cdata(content)}</content:encoded>\n"
        f"\t\t<excerpt:encoded>{cdata(excerpt)}</excerpt:encoded>\n"
        f"\t\t<wp:post_id>{wp_id}</wp:post_id>\n"
        f"\t\t<wp:post_date>{cdata(wp_date(local))}</wp:post_date>\n"
        f"\t\t<wp:post_date_gmt>{cdata(wp_date(date))}</wp:post_date_gmt>\n"
        f"\t\t<wp:post_modified>{cdata(wp_date(local))}</wp:post_modified>\n"
        f"\t\t<wp:post_modified_gmt>{cdata(wp_date(date))}</wp:post_modified_gmt>\n"
        f"\t\t<wp:comment_status>{cdata('open')}</wp:comment_status>\n"
        f"\t\t<wp:ping_status>{cdata('open')}</wp:ping_status>\n"
        f"\t\t<wp:post_name>{cdata(slug)}</wp:post_name>\n"
        f"\t\t<wp:status>{cdata(status)}</wp:status>\n"
        "\t\t<wp:post_parent>0</wp:post_parent>\n"
        "\t\t<wp:menu_order>0</wp:menu_order>\n"
        f"\t\t<wp:post_type>{cdata(post_type)}</wp:post_type>\n"
        f"\t\t<wp:post_password>{cdata('')}</wp:post_password>\n"
        f"\t\t<wp:is_sticky>{int(sticky)}</wp:is_sticky>\n"
        + (
            f"\t\t<wp:attachment_url>{cdata(attachment_url)}</wp:attachment_url>\n"
            if attachment_url
            else ""
        )
        + terms
        + postmeta
        + "\t</item>\n"
    )


def attachment(wp_id, path, *, alt, caption):
    return item(
        wp_id,
        path.rsplit("/", 1)[-1].rsplit(".", 1)[0],
        post_type="attachment",
        status="inherit",
        content="",
        excerpt=caption,
        categories=(),
        link=f"{BASE}/{path.rsplit('/', 1)[-1].rsplit('.', 1)[0]}/",
        attachment_url=f"{BASE}/wp-content/uploads/{path}",
        meta={"_wp_attached_file": path, "_wp_attachment_image_alt": alt},
    )


def wxr(*items, authors=AUTHORS, categories=CATEGORIES, tags=TAGS):
    """A whole WXR 1.2 export around ``items``."""
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        "<!-- This is a WordPress eXtended RSS file generated by WordPress as an export "
        "of your site. -->\n"
        '<rss version="2.0"\n'
        '\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"\n'
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '\txmlns:wp="http://wordpress.org/export/1.2/"\n'
        ">\n\n<channel>\n"
        "\t<title>Old Example News</title>\n"
        f"\t<link>{BASE}</link>\n"
        "\t<description>News from the old site</description>\n"
        "\t<pubDate>Mon, 01 Jan 2024 00:00:00 +0000</pubDate>\n"
        "\t<language>en-US</language>\n"
        "\t<wp:wxr_version>1.2</wp:wxr_version>\n"
        f"\t<wp:base_site_url>{BASE}</wp:base_site_url>\n"
        f"\t<wp:base_blog_url>{BASE}</wp:base_blog_url>\n\n"
        + "".join(author_xml(a) for a in authors)
        + "".join(category_xml(c) for c in categories)
        + "".join(tag_xml(t) for t in tags)
        + "\t<wp:term><wp:term_id>20</wp:term_id><wp:term_taxonomy>nav_menu</wp:term_taxonomy>"
        f"<wp:term_slug>{cdata('main')}</wp:term_slug>"
        f"<wp:term_name>{cdata('Main')}</wp:term_name></wp:term>\n\n"
        "\t<generator>https://wordpress.org/?v=6.5.2</generator>\n\n"
        + "".join(items)
        + "</channel>\n</rss>\n"
    )


def write(tmp_path, text, name="export.xml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(path, *args, media=None):
    """Run the command; its (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    if media is not None:
        args = (*args, "--media-dir", str(media))
    call_command("import_wordpress", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def line_of(text, needle):
    """1-based line number of the first line containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the export")


def item_line(text, wp_id):
    """The line of the <item> tag that holds post ``wp_id``."""
    lines = text.splitlines()
    number = line_of(text, f"<wp:post_id>{wp_id}</wp:post_id>")
    while "<item>" not in lines[number - 1]:
        number -= 1
    return number


def title_of(page):
    return html.unescape(re.search(r"<title>(.*?)</title>", page, re.DOTALL).group(1)).strip()


def meta_description(page):
    match = re.search(r'<meta name="description" content="([^"]*)">', page)
    return html.unescape(match.group(1))


@pytest.fixture
def uploads(tmp_path):
    """A copy of the old site's wp-content/uploads, with one real JPEG in it."""
    folder = tmp_path / "uploads"
    (folder / "2021" / "05").mkdir(parents=True)
    Image.new("RGB", (1200, 675), "navy").save(folder / "2021" / "05" / "rally.jpg", "JPEG")
    return folder


RALLY = attachment(50, "2021/05/rally.jpg", alt="People at a rally", caption="A rally in Tehran.")
LEAD_DATE = past(40)
LEAD = item(
    101,
    "Talks resume in Vienna",
    slug="talks-resume",
    date=LEAD_DATE,
    creator="jdoe",
    excerpt="<strong>Negotiators</strong> met again on Monday.",
    content=(
        "<!-- wp:paragraph -->\nIranian and European negotiators met again.\n"
        "<!-- /wp:paragraph -->\n\n"
        'Read <a href="https://old.example/2021/04/01/background/">the background</a>.\n\n'
        f'<img src="{BASE}/wp-content/uploads/2021/05/rally.jpg" alt="The rally">'
    ),
    categories=("iran", "politics"),
    tags=("sanctions",),
    sticky=True,
    meta={
        "_thumbnail_id": "50",
        "_yoast_wpseo_title": "%%title%% %%sep%% Nuclear talks explained %%sep%% %%sitename%%",
        "_yoast_wpseo_metadesc": "Where the nuclear talks stand,\n and what comes next.",
        "_edit_last": "2",
    },
)
PAGE = item(7, "About us", post_type="page", categories=(), link=f"{BASE}/about/")
MENU = item(
    8, "Home", post_type="nav_menu_item", status="publish", categories=(), link=f"{BASE}/home/"
)


@pytest.fixture
def site_export(tmp_path):
    """An export with one post in every status, an attachment, a page and a menu item."""
    future = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    text = wxr(
        RALLY,
        LEAD,
        item(102, "Ministers to meet next week", status="future", date=future),
        item(103, "Unfinished draft", status="draft", date=None),
        item(104, "Waiting for the editor", status="pending", date=None),
        item(105, "Members only", status="private"),
        item(106, "Thrown away", status="trash"),
        PAGE,
        MENU,
    )
    return write(tmp_path, text), text


@pytest.fixture
def imported(site_export, uploads):
    path, _ = site_export
    out, err = run_import(path, media=uploads)
    return out, err


def article(wp_id):
    return ImportedPost.objects.select_related("article").get(wp_id=wp_id).article


# Report


@pytest.mark.django_db
def test_summary_lists_items_by_type_created_skipped_images_and_redirects(imported):
    out, _ = imported
    assert "Items by type: 1 attachment, 1 nav_menu_item, 1 page, 6 post" in out
    # Every item is accounted for: 5 posts and the page created; the trashed post, the
    # attachment and the menu item skipped, each with its reason.
    assert "Items: 9 in the file: 6 created, 0 updated, 3 skipped, 0 failed." in out
    assert "Articles: 5 created, 0 updated, 1 skipped." in out
    assert "Pages: 1 created, 0 updated." in out
    assert "post type “nav_menu_item” is not imported" in out
    assert "an attachment: its file comes in with the posts that use it" in out
    assert "skipped item “Thrown away” (post id 106, line" in out
    assert "in the trash" in out
    assert "Images: 2 found, 0 missing." in out  # the featured image and one in a body
    # Published, scheduled and private posts have dated permalinks; drafts only ?p=. The
    # page keeps its old address, /?page_id=7 and /?p=7; the attachment (of no post) its
    # page and /?attachment_id=50, both gone.
    assert "Redirects made: 8." in out
    assert Redirect.objects.count() == 8
    assert Redirect.objects.get(old_path="/about/").page.slug == "about-us"
    assert Redirect.objects.filter(article=None, page=None).count() == 2
    assert "Authors: 2. Sections: 4." in out


@pytest.mark.django_db
def test_progress_bar_is_written_to_stderr(imported):
    _, err = imported
    assert "Importing posts [" in err
    assert "7/7" in err  # six posts and the page


# Authors, sections, tags


@pytest.mark.django_db
def test_authors_keep_display_name_and_login_as_slug(imported):
    jane = Author.objects.get(slug="jdoe")
    assert jane.name == "Jane Doe"
    assert Author.objects.get(slug="omid").name == "Omid Karimi"


@pytest.mark.django_db
def test_author_is_linked_to_the_user_with_the_same_email(site_export, uploads, django_user_model):
    user = django_user_model.objects.create_user("jane", email="jane@old.example")
    run_import(site_export[0], media=uploads)
    assert Author.objects.get(slug="jdoe").user == user
    assert Author.objects.get(slug="omid").user is None


@pytest.mark.django_db
def test_author_page_lists_the_imported_article(imported, client):
    page = client.get(Author.objects.get(slug="jdoe").get_absolute_url()).content.decode()
    assert "Jane Doe" in page
    assert "Talks resume in Vienna" in page


@pytest.mark.django_db
def test_nested_categories_become_flat_sections_with_their_parent_recorded(imported):
    sections = {s.slug: s for s in Section.objects.select_related("parent")}
    assert {"world", "middle-east", "iran", "politics"} <= set(sections)
    assert sections["world"].parent is None
    assert sections["middle-east"].parent == sections["world"]
    assert sections["iran"].parent == sections["middle-east"]
    assert sections["politics"].parent is None
    assert sections["iran"].name == "Iran"


@pytest.mark.django_db
def test_child_category_listed_before_its_parent_still_gets_the_parent(tmp_path):
    path = write(tmp_path, wxr(item(101, "Story"), categories=list(reversed(CATEGORIES))))
    run_import(path)
    assert Section.objects.get(slug="iran").parent.slug == "middle-east"
    assert Section.objects.get(slug="middle-east").parent.slug == "world"


@pytest.mark.django_db
def test_percent_encoded_unicode_category_becomes_a_readable_section_slug(tmp_path, client):
    encoded = "%d8%a7%db%8c%d8%b1%d8%a7%d9%86"
    categories = [{"id": 3, "nicename": encoded, "parent": "", "name": "ایران"}]
    path = write(tmp_path, wxr(item(101, "Story", categories=(encoded,)), categories=categories))
    run_import(path)
    assert article(101).section.slug == "ایران"
    assert client.get("/category/ایران/").status_code == 200


@pytest.mark.django_db
def test_section_page_shows_the_imported_article(imported, client):
    response = client.get("/category/iran/")
    assert response.status_code == 200
    assert "Talks resume in Vienna" in response.content.decode()


@pytest.mark.django_db
def test_tags_are_imported_and_further_categories_become_tags(imported):
    assert Tag.objects.filter(name="Sanctions", slug="sanctions").exists()
    lead = article(101)
    assert lead.section.slug == "iran"  # the first category
    assert sorted(lead.tags.names()) == ["Politics", "Sanctions"]


# Posts


@pytest.mark.django_db
def test_published_post_maps_every_field(imported):
    lead = article(101)
    assert lead.title == "Talks resume in Vienna"
    assert lead.slug == "talks-resume"
    assert lead.standfirst == "Negotiators met again on Monday."
    assert lead.status == Article.Status.PUBLISHED
    assert lead.published_at == LEAD_DATE
    assert lead.published_at.utcoffset() == timedelta(0)
    assert lead.is_featured is True
    assert [b.author.slug for b in Byline.objects.filter(article=lead)] == ["jdoe"]
    assert lead.seo_description == "Where the nuclear talks stand, and what comes next."


@pytest.mark.django_db
def test_not_sticky_post_is_not_a_lead_story(imported):
    assert article(105).is_featured is False


@pytest.mark.django_db
def test_published_post_page_shows_headline_standfirst_byline_and_date(imported, client):
    response = client.get("/talks-resume/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<h1 class="article__headline">Talks resume in Vienna</h1>' in page
    assert "Negotiators met again on Monday." in page
    assert 'rel="author">Jane Doe</a>' in page
    assert f'datetime="{timezone.localtime(LEAD_DATE).replace(microsecond=0).isoformat()}"' in page


@pytest.mark.django_db
def test_yoast_title_and_description_are_the_page_title_and_meta_description(imported, client):
    page = client.get("/talks-resume/").content.decode()
    assert title_of(page) == "Talks resume in Vienna | Nuclear talks explained | Iran Front Page"
    assert meta_description(page) == "Where the nuclear talks stand, and what comes next."


@pytest.mark.django_db
def test_post_without_yoast_fields_keeps_the_default_title_and_standfirst(tmp_path, client):
    path = write(tmp_path, wxr(item(101, "Plain story", excerpt="The standfirst.")))
    run_import(path)
    page = client.get("/plain-story/").content.decode()
    assert title_of(page) == "Plain story | Iran Front Page"
    assert meta_description(page) == "The standfirst."


@pytest.mark.django_db
def test_future_post_is_scheduled_and_appears_when_its_time_comes(imported, client, monkeypatch):
    scheduled = article(102)
    assert scheduled.status == Article.Status.PUBLISHED
    assert scheduled.is_scheduled()
    assert client.get("/ministers-to-meet-next-week/").status_code == 404

    later = timezone.now() + timedelta(days=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert client.get("/ministers-to-meet-next-week/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("wp_status", "status"),
    [
        ("draft", Article.Status.DRAFT),
        ("pending", Article.Status.REVIEW),
        ("private", Article.Status.UNPUBLISHED),
    ],
)
def test_unpublished_statuses_map_to_workflow_states_and_stay_hidden(
    tmp_path, client, wp_status, status
):
    date = past() if wp_status == "private" else None
    path = write(tmp_path, wxr(item(101, "Hidden story", status=wp_status, date=date)))
    run_import(path)
    hidden = article(101)
    assert hidden.status == status
    assert client.get("/hidden-story/").status_code == 404
    assert client.get("/?p=101").status_code != 301


@pytest.mark.django_db
def test_draft_without_a_date_has_no_publication_time(imported):
    assert article(103).published_at is None


@pytest.mark.django_db
def test_trashed_post_is_skipped_and_not_imported(imported):
    assert not Article.objects.filter(title="Thrown away").exists()
    assert not ImportedPost.objects.filter(wp_id=106).exists()


@pytest.mark.django_db
def test_pages_and_menu_items_are_not_imported_as_articles(imported):
    assert not Article.objects.filter(title__in=["About us", "Home"]).exists()
    assert Article.objects.count() == 5


@pytest.mark.django_db
def test_import_is_recorded_in_the_article_history(imported):
    event = WorkflowEvent.objects.get(article=article(101))
    assert event.action == "import"
    assert "101" in event.note


@pytest.mark.django_db
def test_percent_encoded_unicode_slug_is_decoded(tmp_path, client):
    encoded = "%d8%b3%d9%84%d8%a7%d9%85-%d8%af%d9%86%db%8c%d8%a7"
    path = write(tmp_path, wxr(item(101, "سلام دنیا", slug=encoded)))
    run_import(path)
    assert article(101).slug == "سلام-دنیا"
    assert client.get("/سلام-دنیا/").status_code == 200


@pytest.mark.django_db
def test_slug_taken_by_an_existing_article_gets_the_post_id(tmp_path):
    path = write(
        tmp_path,
        wxr(item(101, "Same name", slug="same"), item(102, "Same name again", slug="same")),
    )
    run_import(path)
    assert article(101).slug == "same"
    assert article(102).slug == "same-102"


@pytest.mark.django_db
def test_byline_of_a_login_missing_from_the_author_list_is_made(tmp_path):
    path = write(tmp_path, wxr(item(101, "Guest piece", creator="guest-writer")))
    run_import(path)
    assert [a.slug for a in article(101).authors.all()] == ["guest-writer"]


# Featured images


@pytest.mark.django_db
def test_featured_image_is_stored_and_shown_with_alt_text_and_caption(imported, client, settings):
    lead = article(101)
    assert lead.image.file.name.endswith("-rally.jpg")
    assert (settings.MEDIA_ROOT / lead.image.file.name).is_file()
    assert (lead.image.width, lead.image.height) == (1200, 675)
    assert lead.image.alt == "People at a rally"
    # The same picture inside the text is the same library image, stored once.
    assert LibraryImage.objects.count() == 1
    assert f'src="{lead.image.url}"' in lead.body
    page = client.get("/talks-resume/").content.decode()
    assert 'alt="People at a rally"' in page
    assert "/media/renditions/" in page
    assert "<figcaption>A rally in Tehran." in page


@pytest.mark.django_db
def test_missing_featured_image_file_is_reported_and_the_article_imported(tmp_path):
    (tmp_path / "empty-uploads").mkdir()
    path = write(tmp_path, wxr(RALLY, LEAD))
    out, _ = run_import(path, media=tmp_path / "empty-uploads")
    # The featured image, and the same picture inside the text, are both missing.
    assert "Images: 0 found, 2 missing." in out
    assert "/wp-content/uploads/2021/05/rally.jpg (in the text)" in out
    assert "missing item “Talks resume in Vienna” (post id 101" in out
    assert "wp-content/uploads/2021/05/rally.jpg" in out
    lead = article(101)
    assert not lead.image
    assert lead.status == Article.Status.PUBLISHED


@pytest.mark.django_db
def test_featured_image_of_an_unknown_attachment_is_reported_missing(tmp_path, uploads):
    path = write(tmp_path, wxr(LEAD))  # no attachment 50 in this export
    out, _ = run_import(path, media=uploads)
    assert "attachment 50 not found" in out
    assert not article(101).image


@pytest.mark.django_db
def test_inline_image_from_uploads_is_copied_and_its_address_rewritten(
    tmp_path, uploads, settings
):
    content = f'Look.\n\n<img src="{BASE}/wp-content/uploads/2021/05/rally.jpg" alt="Rally">'
    path = write(tmp_path, wxr(item(101, "Pictures", content=content)))
    out, _ = run_import(path, media=uploads)
    (picture,) = LibraryImage.objects.all()
    assert f'<img src="{picture.url}" alt="Rally">' in article(101).body
    assert (settings.MEDIA_ROOT / picture.file.name).is_file()
    assert "Images: 1 found, 0 missing." in out


@pytest.mark.django_db
def test_media_file_that_is_no_picture_is_refused_and_nothing_stored(tmp_path, settings):
    folder = tmp_path / "uploads" / "2021" / "05"
    folder.mkdir(parents=True)
    (folder / "rally.jpg").write_text("<?php system($_GET['c']); ?>")
    path = write(tmp_path, wxr(RALLY, LEAD))
    out, _ = run_import(path, media=tmp_path / "uploads")
    assert f"rally.jpg: refused, This file is not a {ACCEPTED} picture" in out
    assert not LibraryImage.objects.exists()
    assert not article(101).image
    stored = settings.MEDIA_ROOT
    assert not stored.exists() or not [p for p in stored.rglob("*") if p.is_file()]


@pytest.mark.django_db
def test_missing_inline_image_file_is_reported(tmp_path, uploads):
    content = f'<img src="{BASE}/wp-content/uploads/2020/01/gone.jpg" alt="Gone">'
    path = write(tmp_path, wxr(item(101, "Pictures", content=content)))
    out, _ = run_import(path, media=uploads)
    assert "Images: 0 found, 1 missing." in out
    assert "missing item “Pictures” (post id 101" in out


# Content cleanup


def body_of(tmp_path, content):
    path = write(tmp_path, wxr(item(101, "Story", content=content)))
    out, _ = run_import(path)
    return article(101).body, out


@pytest.mark.django_db
def test_classic_content_gets_paragraphs_and_line_breaks(tmp_path):
    body, _ = body_of(tmp_path, "First paragraph.\n\nSecond line one.\nSecond line two.")
    assert body == "<p>First paragraph.</p>\n<p>Second line one.<br>\nSecond line two.</p>"


@pytest.mark.django_db
def test_block_elements_are_not_wrapped_in_paragraphs(tmp_path):
    body, _ = body_of(tmp_path, "Intro.\n\n<blockquote>A quote.</blockquote>\n\n<h2>Next</h2>")
    assert "<blockquote>A quote.</blockquote>" in body
    assert "<h2>Next</h2>" in body
    assert "<p><blockquote>" not in body


@pytest.mark.django_db
def test_caption_shortcode_becomes_a_figure_with_figcaption(tmp_path):
    content = (
        'Before.\n\n[caption id="attachment_50" align="aligncenter" width="800"]'
        '<img class="size-full wp-image-50" src="https://elsewhere.example/rally.jpg" '
        'alt="People" width="800" height="450" /> A rally in Tehran.[/caption]\n\nAfter.'
    )
    body, out = body_of(tmp_path, content)
    assert (
        '<figure><img src="https://elsewhere.example/rally.jpg" alt="People" width="800" '
        'height="450"><figcaption>A rally in Tehran.</figcaption></figure>'
    ) in body
    assert "[caption" not in body
    assert "1 captions made figures" in out


@pytest.mark.django_db
def test_gallery_and_unknown_plugin_shortcodes_are_removed_and_counted(tmp_path):
    content = (
        'Intro.\n\n[gallery ids="1,2,3" columns="3"]\n\n'
        '[su_note color="x" radius="3"]Keep this note.[/su_note]\n\n'
        '[acme_widget id="7" style="big"]\n\n'
        '[acme_box style="wide"]Boxed text.[/acme_box]\n\n'
        "[pullquote]Quoted words.[/pullquote]\n\nEnd."
    )
    body, out = body_of(tmp_path, content)
    assert "[" not in body
    assert "Keep this note." in body
    assert "Boxed text." in body
    assert "Quoted words." in body
    assert "[acme_box] ×1" in out
    assert "[acme_widget] ×1" in out
    assert "[pullquote] ×1" in out
    assert "[gallery] ×1" in out
    assert "[su_note] ×1" in out


@pytest.mark.django_db
def test_gutenberg_block_comments_are_removed(tmp_path):
    content = (
        "<!-- wp:paragraph -->\nA paragraph without its tags.\n<!-- /wp:paragraph -->\n\n"
        "<!-- wp:paragraph -->\n<p>Block paragraph.</p>\n<!-- /wp:paragraph -->\n\n"
        '<!-- wp:image {"id":50,"sizeSlug":"large"} -->\n'
        '<figure class="wp-block-image"><img src="https://elsewhere.example/a.jpg" alt="A"/>'
        "</figure>\n<!-- /wp:image -->"
    )
    body, _ = body_of(tmp_path, content)
    assert "wp:" not in body
    assert "<!--" not in body
    # The comments go before paragraphs are made, so they leave no stray line breaks.
    assert body.startswith("<p>A paragraph without its tags.</p>\n<p>Block paragraph.</p>")
    assert '<img src="https://elsewhere.example/a.jpg" alt="A">' in body


@pytest.mark.django_db
def test_bracketed_words_in_a_story_are_kept(tmp_path):
    body, out = body_of(tmp_path, "The [Palestinian] fighters said [sic] it was over.")
    assert body == "<p>The [Palestinian] fighters said [sic] it was over.</p>"
    assert "none removed" in out


@pytest.mark.django_db
def test_scripts_and_event_handlers_are_sanitized_away(tmp_path):
    content = (
        '<p onclick="steal()">Click <a href="javascript:alert(1)">here</a>.</p>\n\n'
        "<script>alert('x')</script>\n\n"
        '<img src="https://elsewhere.example/a.jpg" alt="A" onerror="steal()">'
    )
    body, _ = body_of(tmp_path, content)
    assert "onclick" not in body
    assert "onerror" not in body
    assert "<script" not in body
    assert "alert" not in body
    assert "javascript:" not in body
    assert "Click" in body


@pytest.mark.django_db
def test_embed_shortcode_becomes_a_link(tmp_path):
    body, out = body_of(tmp_path, "[embed]https://www.youtube.com/watch?v=abc[/embed]")
    assert 'href="https://www.youtube.com/watch?v=abc"' in body
    assert "1 embeds made links" in out


# Links


@pytest.mark.django_db
def test_old_permalink_answers_301_to_the_new_address(imported, client):
    old = f"/{LEAD_DATE:%Y/%m/%d}/talks-resume/"
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == "/talks-resume/"
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_every_published_article_permalink_redirects(imported, client):
    for imported_post in ImportedPost.objects.select_related("article"):
        current = imported_post.article
        if not current.is_published():
            continue
        for redirect in current.redirects.all():
            response = client.get(redirect.old_path)
            assert response.status_code == 301, redirect.old_path
            assert response["Location"] == current.get_absolute_url()


@pytest.mark.django_db
def test_old_query_post_id_answers_301(imported, client):
    response = client.get("/?p=101")
    assert response.status_code == 301
    assert response["Location"] == "/talks-resume/"


@pytest.mark.django_db
def test_unknown_or_hidden_post_id_does_not_redirect(imported, client):
    assert client.get("/?p=999").status_code == 200  # the home page
    assert client.get("/?p=103").status_code == 200  # a draft: no redirect to it


@pytest.mark.django_db
def test_scheduled_article_old_permalink_redirects_only_once_it_is_out(
    imported, client, monkeypatch
):
    old = Redirect.objects.get(article=article(102)).old_path
    assert client.get(old).status_code == 404
    later = timezone.now() + timedelta(days=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert client.get(old).status_code == 301


@pytest.mark.django_db
def test_percent_encoded_unicode_permalink_redirects(tmp_path, client):
    encoded = "%d8%b3%d9%84%d8%a7%d9%85-%d8%af%d9%86%db%8c%d8%a7"
    path = write(tmp_path, wxr(item(101, "سلام دنیا", slug=encoded)))
    run_import(path)
    old = Redirect.objects.get().old_path
    assert old.endswith(f"/{unquote(encoded)}/")  # stored as Django sees request paths
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == article(101).get_absolute_url()


@pytest.mark.django_db
def test_links_in_bodies_to_the_old_site_are_rewritten(tmp_path):
    target_date = past(50)
    content = (
        f'See <a href="{BASE}/{target_date:%Y/%m/%d}/earlier-story/">the earlier story</a>, '
        f'<a href="{BASE}/?p=201">by id</a>, '
        f'<a href="http://www.old.example/?p=201">by id on www</a>, '
        f'<a href="{BASE}/about/">about us</a>, '
        '<a href="/category/iran/">a relative link</a> and '
        '<a href="https://other.example/2021/05/10/story/">another site</a>.'
    )
    path = write(
        tmp_path,
        wxr(
            item(101, "Linking story", content=content),
            item(201, "Earlier story", date=target_date),
        ),
    )
    out, _ = run_import(path)
    body = article(101).body
    hrefs = re.findall(r'href="([^"]*)"', body)
    assert hrefs == [
        "/earlier-story/",
        "/earlier-story/",
        "/earlier-story/",
        "/about/",
        "/category/iran/",
        "https://other.example/2021/05/10/story/",
    ]
    assert "Bodies with links rewritten: 1." in out


@pytest.mark.django_db
def test_body_link_to_a_post_imported_later_in_the_file_is_rewritten(tmp_path):
    """Links are rewritten once every post is in, so order in the file does not matter."""
    path = write(
        tmp_path,
        wxr(
            item(101, "First", content=f'<a href="{BASE}/?p=102">next</a>'),
            item(102, "Second", slug="second-story"),
        ),
    )
    run_import(path)
    assert 'href="/second-story/"' in article(101).body


# Re-running


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Article, Byline, Section, Author, Tag, Redirect, ImportedPost)
    }


@pytest.mark.django_db
def test_second_import_of_the_same_file_creates_nothing_new(site_export, uploads, settings):
    path, _ = site_export
    run_import(path, media=uploads)
    before = counts()
    pks = dict(ImportedPost.objects.values_list("wp_id", "article_id"))
    files = sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())

    out, _ = run_import(path, media=uploads)

    assert counts() == before
    assert dict(ImportedPost.objects.values_list("wp_id", "article_id")) == pks
    assert sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()) == files
    assert "Articles: 0 created, 5 updated, 1 skipped." in out
    assert WorkflowEvent.objects.filter(action="import").count() == 5


@pytest.mark.django_db
def test_reimport_with_a_changed_title_updates_the_article(tmp_path, client):
    path = write(tmp_path, wxr(item(101, "First headline", slug="story")))
    run_import(path)
    pk = article(101).pk
    path = write(tmp_path, wxr(item(101, "Corrected headline", slug="story")))
    out, _ = run_import(path)
    assert article(101).pk == pk
    assert article(101).title == "Corrected headline"
    assert Article.objects.count() == 1
    assert "0 created, 1 updated" in out
    assert "Corrected headline" in client.get("/story/").content.decode()


@pytest.mark.django_db
def test_post_matched_by_guid_when_its_id_changed(tmp_path):
    """A re-export from a copied site may renumber posts; the guid still matches."""
    text = wxr(item(101, "Story", slug="story"))
    run_import(write(tmp_path, text))
    renumbered = text.replace("<wp:post_id>101</wp:post_id>", "<wp:post_id>301</wp:post_id>")
    out, _ = run_import(write(tmp_path, renumbered))
    assert Article.objects.count() == 1
    assert "0 created, 1 updated" in out


@pytest.mark.django_db
def test_reimport_after_a_tag_was_renamed_in_wordpress(tmp_path):
    path = write(tmp_path, wxr(item(101, "Story", tags=("sanctions",))))
    run_import(path)
    renamed = [{"id": 9, "slug": "sanctions", "name": "US sanctions"}]
    text = wxr(item(101, "Story", tags=("sanctions",)), tags=renamed).replace(
        f"{cdata('Sanctions')}</category>", f"{cdata('US sanctions')}</category>"
    )
    out, _ = run_import(write(tmp_path, text))
    assert "0 created, 1 updated" in out
    assert article(101).tags.names()[0] == "US sanctions"


@pytest.mark.django_db
def test_malformed_items_are_reported_with_title_id_and_line_and_the_rest_imports(tmp_path):
    bad_date = re.sub(
        r"<wp:post_date_gmt>.*?</wp:post_date_gmt>",
        f"<wp:post_date_gmt>{cdata('2021-13-45 99:00:00')}</wp:post_date_gmt>",
        item(102, "Bad date story"),
    )
    text = wxr(
        item(101, "Good story"),
        bad_date,
        item(103, "", slug="no-title"),
        item(104, "Another good story"),
    )
    out, _ = run_import(write(tmp_path, text))

    assert (
        f"skipped item “Bad date story” (post id 102, line {item_line(text, 102)}): "
        "bad date “2021-13-45 99:00:00”"
    ) in out
    assert f"skipped item “(no title)” (post id 103, line {item_line(text, 103)}): no title" in out
    assert "Articles: 2 created, 0 updated, 2 skipped." in out
    assert sorted(Article.objects.values_list("title", flat=True)) == [
        "Another good story",
        "Good story",
    ]
    assert "Done, with the problems listed above." in out


@pytest.mark.django_db
def test_item_that_fails_midway_leaves_no_half_written_article(tmp_path, monkeypatch):
    original = importer.tags_for

    def tags_for(wp_item):
        if wp_item.wp_id == 102:
            raise RuntimeError("tag service down")
        return original(wp_item)

    monkeypatch.setattr(importer, "tags_for", tags_for)
    text = wxr(
        item(101, "Fine story", tags=("sanctions",)),
        item(102, "Doomed story", tags=("sanctions",), creator="newcomer"),
        item(103, "Also fine"),
    )
    out, _ = run_import(write(tmp_path, text))

    assert "failed item “Doomed story” (post id 102" in out
    assert "RuntimeError: tag service down" in out
    assert not Article.objects.filter(title="Doomed story").exists()
    assert not Article.objects.filter(slug="doomed-story").exists()
    assert Byline.objects.count() == 2
    assert not Author.objects.filter(slug="newcomer").exists()
    assert not ImportedPost.objects.filter(wp_id=102).exists()
    assert not Redirect.objects.filter(old_path__contains="doomed").exists()
    assert WorkflowEvent.objects.count() == 2
    assert Article.objects.count() == 2


@pytest.mark.django_db
def test_summary_does_not_count_what_a_failed_item_rolled_back(tmp_path, uploads, monkeypatch):
    def record_version(*args, **kwargs):
        raise RuntimeError("history unavailable")

    monkeypatch.setattr(workflow, "record_version", record_version)
    out = io.StringIO()
    path = write(tmp_path, wxr(RALLY, LEAD))
    # Every item failed: the command says so and exits non-zero, after its report.
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_wordpress", str(path), "--media-dir", str(uploads), stdout=out)
    out = out.getvalue()
    assert out.count("RuntimeError: history unavailable") == 1
    assert Article.objects.count() == 0
    # Only the attachment's own addresses, which answer 410: it belongs to no post.
    assert Redirect.objects.exclude(article=None, page=None).count() == 0
    assert "Redirects made: 2." in out
    assert "Images: 0 found" in out


@pytest.mark.django_db
def test_dry_run_writes_nothing_but_reports_the_same_counts(site_export, uploads, settings):
    path, _ = site_export
    dry_out, _ = run_import(path, "--dry-run", media=uploads)

    assert counts() == {
        "Article": 0,
        "Byline": 0,
        "Section": 0,
        "Author": 0,
        "Tag": 0,
        "Redirect": 0,
        "ImportedPost": 0,
    }
    assert not [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]
    assert "Dry run: nothing was written." in dry_out

    real_out, _ = run_import(path, media=uploads)
    assert dry_out.splitlines()[:-1] == real_out.splitlines()[:-1]
    assert Article.objects.count() == 5


@pytest.mark.django_db
def test_truncated_export_is_reported_without_a_traceback(tmp_path):
    text = wxr(item(101, "Complete story"), item(102, "Cut off story", content="Long " * 50))
    cut = text[: text.index("Long Long") + 20]
    path = write(tmp_path, cut)
    try:
        out, _ = run_import(path)
    except CommandError as error:
        assert str(error)
        return
    assert "failed item “Cut off story”" in out
    assert "its XML is broken" in out
    assert Article.objects.filter(title="Complete story").exists()
    assert not Article.objects.filter(title="Cut off story").exists()


@pytest.mark.django_db
def test_item_cut_off_by_truncation_is_not_imported_half_read(tmp_path):
    text = wxr(
        item(101, "Complete story"),
        item(102, "Cut off story", categories=("politics",), sticky=True),
    )
    cut = text[: text.index("<wp:is_sticky>", text.index("Cut off story"))]
    out, _ = run_import(write(tmp_path, cut))
    assert Article.objects.filter(title="Complete story").exists()
    assert not Article.objects.filter(title="Cut off story").exists()
    assert "“Cut off story”" in out


@pytest.mark.django_db
def test_a_file_that_is_not_xml_is_a_command_error(tmp_path):
    path = write(tmp_path, "This is not an export at all.\n")
    with pytest.raises(CommandError, match="not a WordPress export"):
        run_import(path)


@pytest.mark.django_db
def test_missing_export_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run_import(tmp_path / "nowhere.xml")


@pytest.mark.django_db
def test_media_dir_that_is_not_a_folder_is_a_command_error(tmp_path):
    path = write(tmp_path, wxr(item(101, "Story")))
    with pytest.raises(CommandError, match="is not a folder"):
        run_import(path, media=path)
    assert Article.objects.count() == 0


# Streaming


class WatchedParse:
    """Wraps lxml's iterparse to count, at each <item> read, how many elements already
    read still sit before it in the tree (the parser reads ahead, so what comes after
    is no measure)."""

    def __init__(self):
        self.most_kept = 0

    def __call__(self, *args, **kwargs):
        context = etree.iterparse(*args, **kwargs)
        watcher = self

        class Watched:
            error_log = property(lambda _self: context.error_log)

            def __iter__(self):
                for event, element in context:
                    if etree.QName(element).localname == "item":
                        kept = sum(1 for _ in element.itersiblings(preceding=True))
                        watcher.most_kept = max(watcher.most_kept, kept)
                    yield event, element

        return Watched()


class EtreeWith:
    """lxml.etree, with iterparse replaced."""

    def __init__(self, iterparse):
        self.iterparse = iterparse

    def __getattr__(self, name):
        return getattr(etree, name)


def test_reader_streams_thousands_of_items_and_frees_them(tmp_path, monkeypatch):
    count = 2000
    text = wxr(
        *(
            item(1000 + n, f"Story {n}", content=f"Paragraph {n}. " * 20, tags=("sanctions",))
            for n in range(count)
        )
    )
    path = write(tmp_path, text)
    parse = WatchedParse()
    monkeypatch.setattr(wordpress, "etree", EtreeWith(parse))

    items = [value for kind, value in wordpress.read(path) if kind == "item"]

    assert len(items) == count
    assert items[0].get("title") == "Story 0"
    assert items[-1].wp_id == 1000 + count - 1
    assert items[-1].categories == [
        ("category", "iran", "Iran"),
        ("post_tag", "sanctions", "Sanctions"),
    ]
    # Every item read is dropped from the tree: at most the few header elements the
    # reader does not use are still there, never the 2,000 items.
    assert parse.most_kept < 10


def test_reader_yields_channel_authors_categories_and_tags(tmp_path):
    path = write(tmp_path, wxr(item(101, "Story")))
    read = list(wordpress.read(path))
    kinds = [kind for kind, _ in read]
    assert kinds.count("author") == 2
    assert kinds.count("category") == 4
    assert kinds.count("tag") == 1
    channel = dict(read)["channel"]
    assert channel["wp:base_blog_url"] == BASE
    assert "error" not in kinds


# The newsroom's work survives a re-import


@pytest.mark.django_db
def test_reimport_leaves_an_article_the_newsroom_changed_since(tmp_path):
    path = write(tmp_path, wxr(item(101, "Talks resume")))
    run_import(path)
    imported = article(101)
    imported.title = "Talks resume in Vienna, the desk's headline"
    imported.status = Article.Status.UNPUBLISHED
    imported.save()

    out, _ = run_import(path)

    imported.refresh_from_db()
    assert imported.title == "Talks resume in Vienna, the desk's headline"
    assert imported.status == Article.Status.UNPUBLISHED
    assert "changed in the newsroom since the last import" in out
    assert "0 created, 0 updated, 1 skipped" in out


@pytest.mark.django_db
def test_reimport_never_overwrites_an_existing_author(tmp_path):
    Author.objects.create(slug="jdoe", name="Jane Doe (desk)", bio="Written in the CMS.")
    path = write(tmp_path, wxr(item(101, "Talks resume")))
    run_import(path)
    author = Author.objects.get(slug="jdoe")
    assert author.name == "Jane Doe (desk)"
    assert author.bio == "Written in the CMS."
    assert article(101).byline_authors == [author]


@pytest.mark.django_db
def test_posts_without_a_numeric_id_are_reported_not_merged(tmp_path):
    first = item(101, "First").replace("<wp:post_id>101</wp:post_id>", "<wp:post_id></wp:post_id>")
    second = item(102, "Second").replace(
        "<wp:post_id>102</wp:post_id>", "<wp:post_id>abc</wp:post_id>"
    )
    path = write(tmp_path, wxr(first, second, item(103, "Third")))
    out, _ = run_import(path)
    assert "1 created, 0 updated, 2 skipped" in out
    assert out.count("no numeric post id") == 2
    assert Article.objects.get().title == "Third"


# Real exports: namespace spellings, bad bytes, cut escapes


def write_bytes(tmp_path, data, name="export.xml"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.django_db
@pytest.mark.parametrize(
    "namespace",
    [
        "https://wordpress.org/export/1.2/",
        "http://wordpress.org/export/1.1/",
        "http://wordpress.org/export/1.0/",
        "https://wordpress.com/export/1.2/",
        "http://wordpress.org/export/1.2",  # no trailing slash
    ],
)
def test_every_wordpress_namespace_spelling_is_read(tmp_path, namespace):
    text = wxr(item(101, "First"), item(102, "Second"))
    text = text.replace("http://wordpress.org/export/1.2/excerpt/", f"{namespace}/excerpt/")
    text = text.replace("http://wordpress.org/export/1.2/", namespace)
    out, _ = run_import(write(tmp_path, text))
    assert "Articles: 2 created, 0 updated, 0 skipped." in out
    assert set(Article.objects.values_list("title", flat=True)) == {"First", "Second"}


@pytest.mark.django_db
def test_any_prefix_name_is_read(tmp_path):
    text = wxr(item(101, "First")).replace("wp:", "wordpress:")
    text = text.replace("xmlns:wp=", "xmlns:wordpress=")
    out, _ = run_import(write(tmp_path, text))
    assert Article.objects.get().title == "First"


@pytest.mark.django_db
def test_file_with_items_but_none_from_wordpress_exits_non_zero(tmp_path):
    text = wxr(item(101, "First"), item(102, "Second"))
    text = text.replace("http://wordpress.org/export/1.2/", "http://example.com/not-wordpress/")
    with pytest.raises(CommandError, match="is this a WordPress export"):
        run_import(write(tmp_path, text))
    assert Article.objects.count() == 0


def many(count, bad_at=None, bad=""):
    return [
        item(100 + n, f"Story {n}", content=f"Text {n}{bad if n == bad_at else ''}.")
        for n in range(1, count + 1)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("character", ["\x0b", "\x1c", "\x00", "\x08", "\x11", "\x1f", "\ufffe"])
@pytest.mark.parametrize(("count", "bad_at"), [(3, 2), (50, 25)])
def test_a_control_character_costs_no_post(tmp_path, character, count, bad_at):
    text = wxr(*many(count, bad_at, f"Para{character}graph"))
    out, _ = run_import(write(tmp_path, text))

    assert Article.objects.count() == count
    assert f"Items: {count} in the file: {count} created, 0 updated, 0 skipped, 0 failed." in out
    assert Article.objects.get(title=f"Story {bad_at}").body == f"<p>Text {bad_at}Paragraph.</p>"
    assert f"repaired item “Story {bad_at}” (post id {100 + bad_at}" in out
    assert "1 control characters mended" in out
    assert out.count("repaired item") == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("count", "bad_at"), [(3, 2), (50, 25)])
def test_bytes_that_are_not_utf8_are_read_as_windows_1252(tmp_path, count, bad_at):
    text = wxr(*many(count, bad_at, "MARK"))
    data = text.encode().replace(b"MARK", b" \xe9t\xe9 \x93quoted\x94")
    out, _ = run_import(write_bytes(tmp_path, data))

    assert Article.objects.count() == count
    assert Article.objects.get(title=f"Story {bad_at}").body == (
        f"<p>Text {bad_at} été “quoted”.</p>"
    )
    assert f"repaired item “Story {bad_at}”" in out
    assert "4 bytes not UTF-8 mended" in out


@pytest.mark.django_db
def test_a_file_in_another_declared_encoding_is_read(tmp_path):
    text = wxr(item(101, "Café crème", content="Déjà vu."))
    text = text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    run_import(write_bytes(tmp_path, text.encode("latin-1")))
    article = Article.objects.get()
    assert article.title == "Café crème"
    assert article.body == "<p>Déjà vu.</p>"


@pytest.mark.django_db
def test_a_broken_item_costs_only_itself_and_every_item_is_reported(tmp_path):
    posts = many(50)
    posts[24] = posts[24].replace("<wp:post_id>", "<wp:post_id><broken>")
    out, _ = run_import(write(tmp_path, wxr(*posts)))
    assert Article.objects.count() == 49
    assert "Items: 50 in the file: 49 created, 0 updated, 0 skipped, 1 failed." in out
    assert "failed item “Story 25”" in out


@pytest.mark.django_db
def test_a_slug_with_an_escape_cut_in_the_middle_keeps_its_old_address(tmp_path, client):
    # WordPress cuts long non-Latin slugs at 200 bytes, in the middle of a character.
    slug = "%d8%a7%db%8c%d8%b1%d8%a7%d9%86-%d8"  # "ایران-" and half of the next letter
    text = wxr(item(101, "ایران", slug=slug, link=f"{BASE}/{slug}/"))
    run_import(write(tmp_path, text))
    imported = Article.objects.get()
    assert imported.slug == "ایران"
    assert "\ufffd" not in "".join(Redirect.objects.values_list("old_path", flat=True))

    response = client.get(f"/{slug}/")
    assert response.status_code == 301
    assert unquote(response["Location"]) == "/ایران/"
    assert client.get(response["Location"]).status_code == 200


# Pages, comments and other languages


@pytest.mark.django_db
def test_pages_become_standing_pages_at_their_old_addresses(tmp_path, client):
    about = item(
        7,
        "About us",
        slug="about",
        post_type="page",
        categories=(),
        link=f"{BASE}/about/",
        content="We are a newsroom.",
    )
    team = item(
        8,
        "Our team",
        slug="team",
        post_type="page",
        categories=(),
        link=f"{BASE}/about/team/",
        content="Editors.",
    )
    hidden = item(9, "Old draft", slug="old-draft", post_type="page", status="draft")
    out, _ = run_import(write(tmp_path, wxr(about, team, hidden)))

    assert "Pages: 3 created, 0 updated." in out
    response = client.get("/about/")
    assert response.status_code == 200
    assert "We are a newsroom." in response.content.decode()
    response = client.get("/about/team/")
    assert response.status_code == 301 and response["Location"] == "/team/"
    assert client.get("/?page_id=7")["Location"] == "/about/"
    assert client.get("/old-draft/").status_code == 404
    # The same file again changes nothing.
    out, _ = run_import(write(tmp_path, wxr(about, team, hidden)))
    assert "Pages: 0 created, 3 updated." in out
    assert Page.objects.count() == 3


@pytest.mark.django_db
def test_a_page_never_takes_an_articles_address(tmp_path, client):
    story = item(101, "About", slug="about")
    page = item(7, "About", slug="about", post_type="page", categories=())
    run_import(write(tmp_path, wxr(story, page)))
    assert Page.objects.get().slug == "about-7"
    assert client.get("/about/").context["article"].title == "About"


def comment_xml(wp_id, author, text, *, approved="1", parent=0, email="reader@example.com"):
    return (
        "\t\t<wp:comment>\n"
        f"\t\t\t<wp:comment_id>{wp_id}</wp:comment_id>\n"
        f"\t\t\t<wp:comment_author>{cdata(author)}</wp:comment_author>\n"
        f"\t\t\t<wp:comment_author_email>{cdata(email)}</wp:comment_author_email>\n"
        "\t\t\t<wp:comment_author_url>https://reader.example/</wp:comment_author_url>\n"
        "\t\t\t<wp:comment_author_IP>203.0.113.9</wp:comment_author_IP>\n"
        "\t\t\t<wp:comment_date>2024-01-02 10:00:00</wp:comment_date>\n"
        "\t\t\t<wp:comment_date_gmt>2024-01-02 06:30:00</wp:comment_date_gmt>\n"
        f"\t\t\t<wp:comment_content>{cdata(text)}</wp:comment_content>\n"
        f"\t\t\t<wp:comment_approved>{approved}</wp:comment_approved>\n"
        "\t\t\t<wp:comment_type></wp:comment_type>\n"
        f"\t\t\t<wp:comment_parent>{parent}</wp:comment_parent>\n"
        "\t\t</wp:comment>\n"
    )


@pytest.mark.django_db
def test_approved_comments_are_kept_without_email_or_ip(tmp_path):
    comments = (
        comment_xml(1, "Reader One", "Good story.<br />Thanks &amp; more")
        + comment_xml(2, "Reader Two", "I agree.", parent=1)
        + comment_xml(3, "Spammer", "Buy now", approved="spam")
        + comment_xml(4, "Waiting", "Held for moderation", approved="0")
    )
    story = item(101, "Story").replace("\t</item>", comments + "\t</item>")
    path = write(tmp_path, wxr(story))
    out, _ = run_import(path)

    assert "Comments kept: 2." in out
    first, second = Comment.objects.order_by("wp_id")
    assert first.author_name == "Reader One"
    assert first.text == "Good story.Thanks & more"
    assert first.published_at.isoformat() == "2024-01-02T06:30:00+00:00"
    assert second.parent == first
    assert first.article.title == "Story"
    stored = " ".join(str(value) for value in Comment.objects.values_list())
    assert "reader@example.com" not in stored and "203.0.113.9" not in stored
    run_import(path)
    assert Comment.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("title", "content"),
    [
        ("[:en]Talks resume[:fa]مذاکرات از سر گرفته شد[:]", "[:en]In Vienna.[:fa]در وین.[:]"),
        (
            "<!--:en-->Talks resume<!--:--><!--:fa-->مذاکرات از سر گرفته شد<!--:-->",
            "<!--:en-->In Vienna.<!--:--><!--:fa-->در وین.<!--:-->",
        ),
        (
            "{:en}Talks resume{:}{:fa}مذاکرات از سر گرفته شد{:}",
            "{:en}In Vienna.{:}{:fa}در وین.{:}",
        ),
    ],
)
def test_multilingual_markers_are_split_and_never_shown(tmp_path, client, title, content):
    excerpt = "[:en]Short[:fa]کوتاه[:]"
    text = wxr(item(101, title, slug="talks-resume", content=content, excerpt=excerpt))
    out, _ = run_import(write(tmp_path, text))

    imported = Article.objects.get()
    assert imported.title == "Talks resume"
    assert imported.body == "<p>In Vienna.</p>"
    assert imported.standfirst == "Short"
    assert imported.imported.other_languages == {
        "fa": {"title": "مذاکرات از سر گرفته شد", "body": "در وین.", "standfirst": "کوتاه"}
    }
    page = client.get("/talks-resume/").content.decode()
    assert "[:" not in page and "<!--:" not in page and "{:" not in page
    assert "Posts with other languages kept aside: 1." in out


@pytest.mark.django_db
@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
def test_items_are_found_whatever_the_read_size_and_their_text(tmp_path, monkeypatch, chunk):
    """A post about XML holds "</item>" and "<item>" in its CDATA, a comment holds one
    too, and the file is read in pieces that cut every token somewhere."""
    monkeypatch.setattr(wordpress.RepairedExport, "CHUNK", chunk)
    tricky = item(102, "About RSS", content="An <item> ends with </item> in RSS.")
    text = wxr(item(101, "First"), tricky, item(103, "Third"))
    text = text.replace("<item>", "<!-- not </item> here --><item>", 1)
    out, _ = run_import(write(tmp_path, text.replace("Plain text.", "Pl\x0bain text.")))
    assert Article.objects.count() == 3
    # Not cut at its "</item>": the whole text came through (the tags are HTML to drop).
    assert Article.objects.get(title="About RSS").body == "<p>An  ends with  in RSS.</p>"
    assert "Items: 3 in the file: 3 created" in out
    assert out.count("1 control characters mended") == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "before",
    [
        "\ufeff",  # a byte-order mark
        "\n\n",  # blank lines a theme's functions.php printed
        "<br />\n<b>Warning</b>: Cannot modify header information in functions.php\n",
    ],
)
def test_what_a_server_printed_before_the_export_is_ignored(tmp_path, before):
    text = before + wxr(item(101, "First"), item(102, "Second"))
    out, _ = run_import(write(tmp_path, text))
    assert Article.objects.count() == 2
    assert "Authors: 2. Sections: 4." in out
    assert "problem in the file" not in out


@pytest.mark.django_db
def test_an_imported_post_never_takes_another_articles_old_address(tmp_path, client):
    news = Section.objects.create(name="News", slug="news")
    renamed = Article.objects.create(title="Renamed", slug="talks-resume", section=news)
    renamed.slug = "talks-resume-in-vienna"
    renamed.save()  # /talks-resume/ now leads to it
    out, _ = run_import(write(tmp_path, wxr(item(101, "Talks resume", slug="talks-resume"))))
    assert "Articles: 1 created" in out
    assert article(101).slug == "talks-resume-101"
    assert Redirect.objects.get(old_path="/talks-resume/").article == renamed
