"""The WordPress importer (articles/importer.py): exports written here as WordPress's
Tools → Export writes them, imported through ``import_wordpress`` (and ``import_export``
itself), checked through the report, the database and the pages and redirects readers
get."""

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.utils import timezone
from taggit.models import Tag

from articles import importer, wordpress
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
from tests.articles.wxr import (
    BASE,
    CATEGORIES,
    LEAD,
    LEAD_DATE,
    MENU,
    PAGE,
    RALLY,
    article,
    cdata,
    item,
    item_line,
    meta_description,
    past,
    run_import,
    title_of,
    write,
    wxr,
)

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
def test_a_byline_made_by_a_failed_item_is_made_again_for_the_next(tmp_path, monkeypatch):
    """The author a rolled-back post made is gone with it: the next post by the same
    login makes it again instead of pointing at a row that is not there."""
    original = importer.tags_for

    def tags_for(wp_item):
        if wp_item.wp_id == 102:
            raise RuntimeError("tag service down")
        return original(wp_item)

    monkeypatch.setattr(importer, "tags_for", tags_for)
    text = wxr(
        item(102, "Doomed story", creator="newcomer"), item(103, "Next", creator="newcomer")
    )
    out, _ = run_import(write(tmp_path, text))
    assert "failed item “Doomed story”" in out
    assert [a.slug for a in article(103).authors.all()] == ["newcomer"]
    assert Author.objects.filter(slug="newcomer").count() == 1


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


# The function itself


@pytest.mark.django_db
def test_import_export_reads_a_file_object_and_returns_its_report(tmp_path):
    text = wxr(item(101, "First"), item(102, "Second", status="trash"))
    with write(tmp_path, text).open("rb") as export:
        report = importer.import_export(export)
    assert isinstance(report, importer.Report)
    assert (report.items, report.created, report.imported) == (2, 1, 1)
    assert [line.split(":")[0] for line in report.skipped] == [
        f"item “Second” (post id 102, line {item_line(text, 102)})"
    ]
    assert not report.nothing_imported and not report.dry_run
    assert Article.objects.get().title == "First"


@pytest.mark.django_db
def test_import_export_dry_run_reports_and_writes_nothing(tmp_path):
    report = importer.import_export(write(tmp_path, wxr(item(101, "First"))), dry_run=True)
    assert report.dry_run and report.created == 1
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_import_export_calls_progress_after_each_post_and_page(tmp_path):
    calls = []
    text = wxr(item(101, "First"), item(102, "Second"), PAGE, MENU)
    importer.import_export(write(tmp_path, text), progress=lambda *call: calls.append(call))
    assert calls == [(1, 3), (2, 3), (3, 3)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<html><body>Hello</body></html>", "is not a WordPress export"),
        (wxr(item(101, "First")).replace("wordpress.org/export", "example.com/x"), "wp:post_id"),
    ],
)
def test_import_export_refuses_what_is_not_a_wordpress_export(tmp_path, text, message):
    with pytest.raises(importer.ExportError, match=message):
        importer.import_export(write(tmp_path, text))
    assert Article.objects.count() == 0
