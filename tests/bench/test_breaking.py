"""The breaking-news run's helpers (bench/breaking.py): the scripted admin login and
publish against a live server, and the wrk script that rotates paths and counts the page
cache's answers."""

import shutil
import subprocess

import pytest

from articles.models import Article
from bench import breaking
from tests.factories import ArticleFactory, PublishedArticleFactory


@pytest.mark.django_db(transaction=True)
def test_an_editor_logs_in_and_publishes_a_draft_through_the_change_form(live, newsroom_user):
    newsroom_user("bench-test-editor", "Editors")
    draft = ArticleFactory()
    session = breaking.AdminSession(live)
    assert breaking.public_status(live, draft.get_absolute_url()) == 404

    session.login("bench-test-editor", "pw")
    result = session.publish(draft.pk)

    assert result["status"] == 302, result["errors"]
    draft.refresh_from_db()
    assert draft.status == Article.Status.PUBLISHED
    assert breaking.public_status(live, draft.get_absolute_url()) == 200


@pytest.mark.django_db(transaction=True)
def test_a_wrong_password_is_an_error_not_a_session(live, newsroom_user):
    newsroom_user("bench-test-editor", "Editors")
    session = breaking.AdminSession(live)
    with pytest.raises(RuntimeError, match="admin login answered 200"):
        session.login("bench-test-editor", "not the password")


@pytest.mark.django_db(transaction=True)
def test_a_writer_cannot_publish(live, newsroom_user):
    newsroom_user("bench-test-writer", "Writers")
    draft = ArticleFactory()
    session = breaking.AdminSession(live)
    session.login("bench-test-writer", "pw")

    result = session.publish(draft.pk)

    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT
    assert result["status"] != 302 or draft.status != Article.Status.PUBLISHED


@pytest.mark.django_db
def test_prepare_makes_an_editor_drafts_and_twenty_paths(capsys):
    PublishedArticleFactory.create_batch(16)

    made = breaking.prepare(3)

    assert len(made["drafts"]) == 3
    assert all(
        Article.objects.get(pk=draft["id"]).status == Article.Status.DRAFT
        for draft in made["drafts"]
    )
    assert made["paths"][0] == "/"
    assert len(made["paths"]) == breaking.PATHS
    assert '"password"' in capsys.readouterr().out


@pytest.mark.django_db
def test_drafts_carry_their_sources_tags_and_a_published_one_is_never_the_probes_article(
    capsys,
):
    """A breaking draft is a story like its source (bylines and tags), and once a run has
    published it, the next run's probe still measures the newest story of the site's own,
    not the copy: the same article from run to run."""
    from bench.probe import choose_pages

    PublishedArticleFactory.create_batch(15)
    newest = PublishedArticleFactory(tags=["Oil", "Gas"])
    made = breaking.prepare(1)
    draft = Article.objects.get(pk=made["drafts"][0]["id"])
    assert sorted(draft.tags.names()) == ["Gas", "Oil"]
    draft.status = Article.Status.PUBLISHED
    draft.save()
    assert dict(choose_pages())["article"] == newest.get_absolute_url()


def test_the_lua_script_lists_every_path_quoted():
    script = breaking.lua_script(["/", '/odd"path/'])
    assert '"/",' in script
    assert '"/odd\\"path/"' in script
    assert "function request()" in script
    assert "X-Page-Cache" in script


def test_the_cache_counts_are_read_from_the_scripts_line():
    output = 'Running 1s test\nbench-page-cache {"hit": 12, "none": 3}\n'
    assert breaking.parse_cache_counts(output) == {"hit": 12, "none": 3}
    with pytest.raises(RuntimeError):
        breaking.parse_cache_counts("Running 1s test\n")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_runs_the_script_and_counts_every_answer(live, tmp_path):
    PublishedArticleFactory(slug="one")
    script = tmp_path / "mix.lua"
    script.write_text(breaking.lua_script(["/", "/one/", "/healthz"]))

    result = subprocess.run(
        ["wrk", "-t1", "-c1", "-d1s", "-s", str(script), live + "/"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )

    counts = breaking.parse_cache_counts(result.stdout)
    served = int(result.stdout.split(" requests in")[0].split()[-1])
    assert sum(counts.values()) >= served > 0
