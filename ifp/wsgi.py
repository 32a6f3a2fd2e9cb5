import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ifp.settings")

application = get_wsgi_application()


def warm_up():
    """Load what every request needs but Django loads on first use: the URLconf with every
    view module, and every template compiled. gunicorn (gunicorn.conf.py) calls it in the
    master before it forks, so that the workers share this memory instead of each building
    its own (issue 6: a worker stays under 60 MB), and no first reader waits for it."""
    from django.template import engines
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018 - imports every URLconf and view, fills its index
    for engine in engines.all():
        if hasattr(engine, "env"):  # Jinja2: the reader pages
            for name in engine.env.list_templates():
                engine.env.get_template(name)
        else:  # Django's own: the error pages, the admin's tag libraries
            for name in ("400.html", "403.html", "403_csrf.html", "404.html", "500.html"):
                engine.get_template(name)
