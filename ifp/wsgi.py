import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ifp.settings")

application = get_wsgi_application()


def warm_up():
    """Load what every request needs but Django loads on first use: the URLconf with every
    view module, and every template compiled. gunicorn (gunicorn.conf.py) calls it in the
    master before it forks, so that the workers share this memory instead of each building
    its own (a worker's own memory stays small), and no first reader waits for it."""
    import ipware.ip  # noqa: F401 - the login lock-out's client address (django-axes)
    from django.core.cache import caches
    from django.db import connections
    from django.forms.renderers import get_default_renderer
    from django.template import engines
    from django.template.loader_tags import ExtendsNode
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018 - imports every URLconf and view, fills its index
    # The database driver (psycopg) and the cache's client (redis-py), loaded without
    # connecting: each worker opens its own connections after the fork.
    connections["default"].ops  # noqa: B018
    getattr(caches["default"], "_cache", None)  # Django's RedisCache: imports redis-py
    for engine in engines.all():
        if hasattr(engine, "env"):  # Jinja2: the reader pages
            for name in engine.env.list_templates():
                engine.env.get_template(name)
        else:  # Django's own: the error pages, the admin's pages and tag libraries
            for name in ("400.html", "403.html", "403_csrf.html", "404.html", "500.html"):
                engine.get_template(name)
            for name in templates_under(engine.template_dirs, "admin/"):
                if name.startswith("admin/widgets/"):
                    continue  # rendered by the form renderer, below
                template = engine.get_template(name).template
                # An override that extends the template it overrides (the site's
                # admin/base_site.html extends Django's): the one underneath too.
                first = template.nodelist[0] if template.nodelist else None
                if isinstance(first, ExtendsNode) and first.parent_name.var == name:
                    engine.engine.find_template(name, skip=[template.origin])
    # The form widgets' templates (Django's form renderer: its own engine), Django's and the
    # admin's, which every admin form renders.
    renderer = get_default_renderer()
    for prefix in ("django/forms/", "admin/widgets/"):
        for name in templates_under(renderer.engine.template_dirs, prefix):
            renderer.get_template(name)


def templates_under(folders, prefix):
    """The names of the templates (``.html``) in ``folders`` (template directories) whose
    name begins with ``prefix``, each once, sorted.

    Compiled in the master (``warm_up``), the editors' templates are shared and frozen
    (``gc.freeze``, gunicorn.conf.py); compiled in a worker on its first editor's request,
    they stayed its own, and every full garbage collection of that worker (one every
    ``GUNICORN_COLLECT_EVERY`` requests) walked them: 1 ms a collection before an editor's
    change form, 6 ms after, so every reader's request that worker served cost half as
    much again (docs/decisions/worker-memory.md)."""
    names = set()
    for folder in folders:
        root = Path(folder)
        for path in root.rglob("*.html"):
            name = path.relative_to(root).as_posix()
            if name.startswith(prefix):
                names.add(name)
    return sorted(names)


def serve_first_requests():
    """Serve a reader's first pages once in the gunicorn master, before it forks: what
    Django, psycopg, redis-py and the templates build lazily on a first request (database
    type adapters, model and URL caches, compiled macros…) is then built once and shared by
    every worker, instead of being built in each (measured with bench/memory.py: 4 MB less
    private memory a worker; docs/decisions/worker-memory.md). The pages go through the
    whole stack, so the page cache may keep them, as it would for a reader. A database or
    cache that does not answer makes these pages uncached, and a database that does not
    answer skips them: nothing here stops the server from starting. The database
    connection is closed before the fork."""
    import io
    import logging

    from django.conf import settings
    from django.db import connections
    from django.urls import reverse
    from taggit.models import Tag

    from articles import page_cache
    from articles.models import Article, Section
    from core.urls import forget_reversed

    logger = logging.getLogger(__name__)
    paths = ["/", "/feed/", "/search/?q=iran", "/healthz", "/sitemap.xml", "/news-sitemap.xml"]
    # The newsroom's login page: the admin's, sessions', two-factor and lock-out code loads
    # on its first request (a worker's own otherwise, walked by its every collection).
    paths.append("/admin/login/")
    # The Persian edition's too: its interface's catalogue (Django's and the site's
    # Persian translations) is loaded on a first Persian page.
    if "fa" in settings.SITE_LANGUAGES:
        paths += ["/fa/", "/fa/search/?q=%D8%A7%DB%8C%D8%B1%D8%A7%D9%86"]
    try:
        found = [
            Article.objects.published().in_language(code).only("slug", "language").first()
            for code in settings.SITE_LANGUAGES
        ]
        found.append(Section.objects.only("slug", "language").first())
        paths += [item.get_absolute_url() for item in found if item is not None]
        tag = Tag.objects.only("slug").first()
        if tag is not None:
            paths.append(reverse("articles:tag", kwargs={"slug": tag.slug}))
    except Exception as error:  # a database that is down or empty: start without
        logger.warning("no warm-up of the first requests: %s", error)
        connections.close_all()
        return
    try:
        for address in paths:
            path, _, query = address.partition("?")
            environ = {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "80",
                "SERVER_PROTOCOL": "HTTP/1.1",
                "HTTP_HOST": "127.0.0.1",
                "REMOTE_ADDR": "127.0.0.1",
                "wsgi.url_scheme": "http",
                "wsgi.input": io.BytesIO(),
                "wsgi.errors": io.StringIO(),
            }
            response = application(environ, lambda status, headers, exc_info=None: None)
            try:
                b"".join(response)
            finally:
                response.close()
    finally:
        # A socket shared by the master and its workers would mix their conversations; the
        # page cache's watch would fill with messages nobody reads.
        connections.close_all()
        page_cache.held_pages.close()
        # What those pages left in the processes' stores of content (pages, bodies, cards,
        # counts, addresses) names particular articles: each worker holds its own.
        page_cache.forget_everything_held()
        forget_reversed()
