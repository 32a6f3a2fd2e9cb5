"""``manage.py import_wordpress``: its arguments, the report it prints, its progress bar and
its exit status (the import itself: tests/articles/test_importer.py)."""

import io

import pytest
from django.core.management import CommandError, call_command

from articles import workflow
from articles.models import (
    Article,
    Redirect,
)
from tests.articles.wxr import (
    LEAD,
    RALLY,
    item,
    run_import,
    write,
    wxr,
)

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


@pytest.mark.django_db
def test_file_with_items_but_none_from_wordpress_exits_non_zero(tmp_path):
    text = wxr(item(101, "First"), item(102, "Second"))
    text = text.replace("http://wordpress.org/export/1.2/", "http://example.com/not-wordpress/")
    with pytest.raises(CommandError, match="is this a WordPress export"):
        run_import(write(tmp_path, text))
    assert Article.objects.count() == 0
