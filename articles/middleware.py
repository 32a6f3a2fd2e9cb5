import re
from urllib.parse import quote, urlencode

from django.conf import settings
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.template import loader

from articles import editions
from articles.models import Article, ImportedPost, Page, Redirect

# WordPress's own feed spellings, all of which mean the RSS feed here (Atom keeps its own).
_FEED = re.compile(r"^(?P<base>/(?:.*/)?)feed/(?:rss2?|rdf)/$")
# /page/N/ after the home page, a section, tag, author, month or search address.
_PAGED = re.compile(r"^(?P<base>/(?:.*/)?)page/(?P<number>[0-9]{1,9})/$")
# The AMP plugin's addresses: /story/amp/ (paired mode) and /amp/story/ (its legacy mode).
_AMP_SUFFIX = re.compile(r"^(?P<base>/.*/)amp/$")
_AMP_PREFIX = re.compile(r"^/amp(?P<base>/.+/)$")
_YEAR = re.compile(r"^/(?P<year>[12][0-9]{3})/$")
_DAY = re.compile(r"^/(?P<year>[12][0-9]{3})/(?P<month>[0-9]{2})/[0-9]{2}/$")
# A child category under its parents, and its feeds: /category/world/iran/(feed/(atom/)).
_NESTED_CATEGORY = re.compile(
    r"^/category/(?:[^/]+/)+?(?P<slug>[^/]+)/(?P<feed>feed/(?:atom/)?)?$"
)
# The AMP plugin's query switches: ?amp=1 shows the AMP version, ?noamp=mobile the other.
AMP_PARAMETERS = ("amp", "noamp")


class RedirectFallbackMiddleware:
    """Old addresses keep working. A page that is not found here but had an address on
    this site or the WordPress site it replaced answers with one 301 to where it is now
    (never a chain of redirects), or 410 when what it showed is gone for good; see
    :func:`legacy_target` for every kind of address. Only published articles and pages
    are redirected to."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and request.GET:
            answer = query_target(request)
            if answer is not None:
                return answer
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        return legacy_target(request.path) or response


def _moved(location, query=None):
    # Only ever to a path on this site: "//host/amp/" must not lead to another host.
    location = "/" + location.lstrip("/\\")
    if query:
        location = f"{location}?{urlencode(query)}"
    return HttpResponsePermanentRedirect(location)


def gone():
    """410 Gone, in the site's own error page."""
    context = {
        "site_name": settings.SITE_NAME,
        "site_short_name": settings.SITE_SHORT_NAME,
        "edition_home": editions.url(editions.current().code, "home"),
    }
    return HttpResponse(loader.render_to_string("410.html", context), status=410)


def query_target(request):
    """WordPress's query-string addresses: ``/?p=``, ``/?page_id=``, ``/?attachment_id=``,
    ``/?s=``, ``/?feed=``, ``/?m=``, ``/?tag=``, ``/?paged=``, and the AMP plugin's
    ``?amp=1`` / ``?noamp=mobile`` on any address. None when the request is none of them."""
    query = request.GET
    if any(name in query for name in AMP_PARAMETERS):
        rest = {k: v for k, v in query.items() if k not in AMP_PARAMETERS}
        target = legacy_target(request.path)
        if target is not None and target.status_code == 301:
            return target
        return _moved(request.path, rest)
    if request.path != "/":
        return None
    for name in ("p", "page_id", "attachment_id"):
        value = query.get(name, "")
        if value:
            if not (value.isascii() and value.isdigit()) or len(value) > 18:
                return None
            if name == "p":
                url = _imported_post_url(int(value))
                if url:
                    return _moved(url)
            return _redirect_row(f"/?{name}={int(value)}")
    if query.get("s"):
        return _moved("/search/", {"q": query["s"]})
    feed = query.get("feed")
    if feed:
        return _moved("/feed/atom/" if feed == "atom" else "/feed/")
    month = query.get("m", "")
    if re.fullmatch(r"[12][0-9]{3}(0[1-9]|1[0-2])([0-3][0-9])?", month):
        return _moved(f"/{month[:4]}/{month[4:6]}/")
    if query.get("tag"):
        return _moved(f"/tag/{quote(query['tag'], safe='')}/")
    paged = query.get("paged", "")
    if paged.isascii() and paged.isdigit() and len(paged) < 10:
        return _moved("/", {"page": paged} if int(paged) > 1 else None)
    return None


def _imported_post_url(wp_id):
    imported = ImportedPost.objects.select_related("article").filter(wp_id=wp_id).first()
    if imported is None or not imported.article.is_published():
        return None
    return imported.article.get_absolute_url()


def _redirect_row(path):
    """The answer a stored old address gives: 301 to its published article or page,
    410 when it was recorded as gone; None when there is none or its target is hidden."""
    redirect = Redirect.objects.select_related("article", "page").filter(old_path=path).first()
    if redirect is None:
        return None
    if redirect.article is not None:
        if redirect.article.is_published():
            return _moved(redirect.article.get_absolute_url())
        return None
    if redirect.page is not None:
        if redirect.page.status == Page.Status.PUBLISHED:
            return _moved(redirect.page.get_absolute_url())
        return None
    return gone()


def _slug_target(slug):
    """The 301 for an address whose last part is an article's current or old slug."""
    article = Article.objects.published().filter(slug=slug).only("slug").first()
    if article is not None:
        return _moved(article.get_absolute_url())
    return _redirect_row(f"/{slug}/")


def _current_or_legacy(path, depth):
    """``path``'s final address: where a legacy address leads, else ``path`` itself."""
    answer = legacy_target(path, depth + 1)
    if answer is not None and answer.status_code == 301:
        return answer["Location"]
    return path


def legacy_target(path, depth=0):
    """The answer for a path that found nothing here, or None (a true 404).

    In order: a stored old address (a renamed article's slug, a WordPress permalink, an
    attachment page, a page's old address); the AMP plugin's ``…/amp/`` and ``/amp/…``;
    WordPress's feed spellings (``/feed/rss2/``, ``/feed/rdf/``) and per-post comment
    feeds (``/story/feed/``); ``/page/N/`` pagination; the year and day archives (to the
    month); nested categories; and last, any permalink structure whose last part is an
    article's slug (``/%year%/%monthnum%/%day%/%postname%/``, ``/%category%/%postname%/``)."""
    if depth > 3:  # /amp/amp/amp/…: nothing real nests deeper
        return None
    stored = _redirect_row(path)
    if stored is not None:
        return stored
    for pattern in (_AMP_SUFFIX, _AMP_PREFIX):
        match = pattern.match(path)
        if match:
            return _moved(_current_or_legacy(match["base"], depth))
    match = _FEED.match(path)
    if match:
        return _moved(f"{_current_or_legacy(match['base'], depth)}feed/")
    if path == "/comments/feed/":
        return gone()
    match = _PAGED.match(path)
    if match:
        number = int(match["number"])
        page = {"page": number} if number > 1 else None
        return _moved(_current_or_legacy(match["base"], depth), page)
    match = _YEAR.match(path)
    if match:
        newest = (
            Article.objects.published()
            .filter(published_at__year=int(match["year"]))
            .values_list("published_at", flat=True)
            .first()
        )
        return _moved(f"/{newest:%Y/%m}/") if newest else gone()
    match = _DAY.match(path)
    if match:
        return _moved(f"/{match['year']}/{match['month']}/")
    match = _NESTED_CATEGORY.match(path)
    if match and match["slug"] not in ("feed", "atom"):
        return _moved(f"/category/{match['slug']}/{match['feed'] or ''}")
    parts = [part for part in path.split("/") if part]
    if parts and parts[-1] == "feed" and len(parts) == 2:
        # A post's comment feed: the comments are not shown here; the story is.
        return _slug_target(parts[0]) or gone()
    if len(parts) > 1 and parts[0] not in {"admin", "static", "media", "category", "tag"}:
        return _slug_target(parts[-1])
    return None
