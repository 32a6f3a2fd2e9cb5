import os

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
    from django.template import engines
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
        else:  # Django's own: the error pages, the admin's tag libraries
            for name in ("400.html", "403.html", "403_csrf.html", "404.html", "500.html"):
                engine.get_template(name)
