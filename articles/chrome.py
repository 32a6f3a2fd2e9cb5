"""The site's header and footer (``includes/header.html``, ``includes/footer.html``),
rendered once for what they show and read again from this process's memory.

Every reader page has them, and they are about a tenth of an article page's render.
What each shows is in its key, so a kept one is never stale: the edition and interface
language, the address prefix, the site's names and editions, the section links and
standing pages as of the current content generation (``articles.site_widgets``), the
current address when it is one the header marks with ``aria-current``, and the footer's
year. A new section, a renamed page or a new year reads under a new key. Kept per
process (a few kilobytes each, at most ``KEPT`` of them): no round trip to the shared
cache.
"""

from django.conf import settings
from django.template import engines
from django.urls import get_script_prefix
from django.utils import timezone, translation
from markupsafe import Markup

from articles import editions, site_extras, site_widgets

# Kept renders, at most (a handful a deploy: editions × marked addresses × generations).
KEPT = 256

_kept = {}


def _render(template_name, key, request):
    env = engines["jinja2"].env
    # The template engine itself is part of the key: Django builds a new one when the
    # TEMPLATES setting changes (other template folders, as a test may set).
    key = (env, *key)
    html = _kept.get(key)
    if html is None:
        template = env.get_template(template_name)
        context = {
            "request": request,
            "site_name": settings.SITE_NAME,
            "site_short_name": settings.SITE_SHORT_NAME,
            "edition": editions.of_request(request),
        }
        html = Markup(template.render(context))
        if len(_kept) >= KEPT:
            _kept.clear()
        _kept[key] = html
    return html


def _facts(request):
    return (
        editions.of_request(request).code,
        translation.get_language(),
        get_script_prefix(),
        settings.SITE_NAME,
        settings.SITE_SHORT_NAME,
        tuple(settings.SITE_LANGUAGES),  # the masthead links to the other editions
    )


def site_header(request):
    """The masthead and section navigation of ``request``'s page (``Markup``)."""
    sections = tuple(site_widgets.sections(request))
    marked = {editions.reverse_in(editions.of_request(request), "articles:home")}
    marked.update(section.url for section in sections)
    current = request.path if request.path in marked else None
    key = ("header", *_facts(request), sections, current)
    return _render("includes/header.html", key, request)


def site_footer(request):
    """The footer of ``request``'s page: standing pages, corrections, feed, copyright."""
    pages = tuple(site_extras.standing_pages(request))
    key = ("footer", *_facts(request), pages, timezone.localtime().year)
    return _render("includes/footer.html", key, request)
