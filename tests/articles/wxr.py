"""WordPress exports (WXR) written here as WordPress's Tools → Export writes them, and the
helpers the importer's tests share (tests/articles/test_importer.py, test_wordpress.py and
test_import_wordpress.py); the fixtures that use them are in tests/articles/conftest.py."""

import html
import io
import re
from datetime import UTC, timedelta

from django.core.management import call_command
from django.utils import timezone

from articles.models import (
    ImportedPost,
)

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


def article(wp_id):
    return ImportedPost.objects.select_related("article").get(wp_id=wp_id).article
