"""The shipped deployment files are valid for the tools that read them."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_nginx_configuration_is_valid(tmp_path):
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        pytest.skip("nginx is not installed here")
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = site.replace("/etc/nginx/ifp_proxy_params", str(ROOT / "deploy" / "ifp_proxy_params"))
    site = site.replace("/var/cache/nginx/ifp", str(tmp_path / "cache"))
    site = site.replace("listen 80;", "listen 127.0.0.1:18080;")  # -t binds nothing
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{ client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;\n"
        f"include {tmp_path}/site.conf; }}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_gunicorn_configuration_loads():
    namespace = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)
    assert namespace["worker_class"] == "sync"
    assert namespace["workers"] >= 1
    assert namespace["preload_app"] is True


def test_gunicorn_hands_freed_memory_back_after_the_fork_and_every_so_many_requests():
    namespace = {"__name__": "gunicorn_conf"}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)
    calls = []
    namespace["_malloc_trim"] = calls.append
    namespace["TRIM_EVERY"] = 3
    namespace["post_fork"](None, None)
    for _ in range(7):
        namespace["post_request"](None, None, {}, None)
    assert calls == [0, 0, 0]  # after the fork, then after requests 3 and 6


def test_gunicorn_master_loads_the_urls_and_compiles_every_template_before_forking():
    """Workers share what the master loaded: the URLconf
    with every view, and every reader-page template compiled."""
    from django.template import engines
    from django.urls import clear_url_caches, get_resolver

    env = engines["jinja2"].env
    env.cache.clear()
    clear_url_caches()
    assert not get_resolver()._populated
    namespace = {"__name__": "gunicorn_conf"}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)

    namespace["when_ready"](None)

    compiled = {name for (_loader, name) in env.cache.keys()}
    assert compiled == set(env.list_templates())
    assert "articles/article_detail.html" in compiled
    assert get_resolver()._populated


def test_gunicorn_collects_the_garbage_of_requests_every_so_many_requests(monkeypatch):
    import gc

    namespace = {"__name__": "gunicorn_conf"}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)
    collections = []
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(args))
    namespace["COLLECT_EVERY"] = 4
    for _ in range(9):
        namespace["post_request"](None, None, {}, None)
    assert len(collections) == 2  # after requests 4 and 8


@pytest.mark.django_db(transaction=True)
def test_gunicorn_master_serves_a_readers_first_pages_then_closes_its_connection(settings):
    """What a first request builds lazily is built once in the master and shared; no
    database connection may outlive the warm-up into the forked workers."""
    settings.PAGE_CACHE = True  # as in production: the pages go through the page cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ifp.wsgi import serve_first_requests
    from tests.factories import PublishedArticleFactory

    PublishedArticleFactory()
    with CaptureQueriesContext(connection) as queries:
        serve_first_requests()
    assert len(queries) >= 6  # the home page, an article, a section, the feed, search
    # The Persian edition's pages too: its interface's catalogue is loaded once, shared.
    from django.utils.translation import trans_real

    assert "fa" in trans_real._translations
    # Django never closes SQLite's in-memory test database.
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        assert connection.connection is None
    # Nor does the page cache's watch of the content generation (with Redis) outlive it:
    # each worker makes its own, and the master's would fill with unread messages.
    from articles import page_cache

    assert page_cache.held_pages.watch is None


@pytest.mark.django_db(transaction=True)
def test_gunicorn_master_forks_with_nothing_of_its_first_pages_held(settings, monkeypatch):
    """The first pages fill the process's stores of content (cards, counts, big bodies,
    remembered addresses of particular articles); the master empties them before the fork,
    so that the workers neither share them (a third of each counted to every worker's
    memory) nor copy the master's pages when they drop them."""
    settings.PAGE_CACHE = True
    from articles import page_cache
    from core import urls
    from ifp.wsgi import serve_first_requests
    from tests.factories import PublishedArticleFactory

    for _ in range(3):
        PublishedArticleFactory()
    urls.forget_reversed()
    page_cache.forget_everything_held()
    before = {}
    forget = page_cache.forget_everything_held

    def seen_then_forget():
        before["entries"] = sum(len(held.held) for held in page_cache._every_held)
        before["addresses"] = urls._reverse.cache_info().currsize
        forget()

    monkeypatch.setattr(page_cache, "forget_everything_held", seen_then_forget)
    serve_first_requests()
    assert before["entries"] > 0 and before["addresses"] > 0  # the pages held some
    assert all(not held.held and held.size == 0 for held in page_cache._every_held)
    assert urls._reverse.cache_info().currsize == 0


def test_gunicorn_master_leaves_the_http_client_of_the_posting_tasks_unloaded():
    """httpx (with click and pygments, which it imports) posts articles to Telegram from
    the task worker: the web server's master, which loads every URLconf and view, must not
    load it, or every worker shares 3 MB it never uses (docs/decisions/worker-memory.md)."""
    script = (
        "import sys\n"
        "from ifp.wsgi import warm_up\n"
        "warm_up()\n"
        "import channels.telegram\n"
        "print(sorted({'httpx', 'click', 'pygments'} & set(sys.modules)))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ifp.settings",
        "DJANGO_SECRET_KEY": "test-only-key-of-fifty-characters-that-is-never-used-live",
        "DATABASE_URL": "sqlite:///:memory:",
        "REDIS_URL": "",
        "SITE_URL": "http://testserver",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_nginx_does_not_log_share_preview_tokens():
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    block = site[site.index("location /preview/ {") :]
    block = block[: block.index("}")]
    assert "access_log off;" in block
    assert "proxy_cache " not in block


def test_worker_unit_runs_the_database_worker_with_arguments_it_accepts():
    import shlex

    from django.core.management import get_commands, load_command_class

    unit = (ROOT / "deploy" / "ifp-worker.service").read_text()
    [command] = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    words = shlex.split(command.removeprefix("ExecStart="))
    name, arguments = words[words.index("manage.py") + 1], words[words.index("manage.py") + 2 :]
    assert name == "db_worker"
    worker = load_command_class(get_commands()[name], name)
    options = worker.create_parser("manage.py", name).parse_args(arguments)
    assert options.reload is False  # never restarted halfway through a task by a file change
    assert options.queue_name == "*"


@pytest.mark.django_db
def test_gunicorn_master_compiles_the_editors_templates_before_the_fork(admin_client):
    """An editor's change form compiles no template of its own in a worker: compiled there,
    they stayed the worker's, and every full garbage collection of that worker walked them
    (1 ms a collection before, 6 ms after), making each reader's hit it served cost half
    as much again. Compiled in the master, they are shared and frozen."""
    from django.forms.renderers import get_default_renderer
    from django.template import engines

    from ifp.wsgi import warm_up
    from tests.factories import PublishedArticleFactory

    def compiled():
        loaders = [
            *engines["django"].engine.template_loaders,
            *get_default_renderer().engine.engine.template_loaders,
        ]
        # Each compiled template (names tried and not found are remembered too: left out).
        return {
            name
            for loader in loaders
            for name, found in getattr(loader, "get_template_cache", {}).items()
            if not isinstance(found, type)
        }

    article = PublishedArticleFactory()
    warm_up()
    before = compiled()
    assert "admin/change_form.html" in before
    assert "django/forms/widgets/select.html" in before
    assert "admin/widgets/related_widget_wrapper.html" in before
    for path in ("/admin/", f"/admin/articles/article/{article.pk}/change/"):
        assert admin_client.get(path).status_code == 200
    assert compiled() - before == set()
