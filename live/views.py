from django.conf import settings
from django.http import Http404, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

from articles import editions
from articles.models import Article
from live import coverage


def entries(request, article_id):
    """GET /live/<article id>/: what the live block of a published article shows now, for
    readers' pages to poll: ``{"open": bool, "count": entries, "html": the block's inner
    HTML}``. 404 for an article that is not on the site or not a live story.

    Kept by nginx and a CDN for ``LIVE_CACHE_SECONDS`` (a few), never by the page cache
    (``articles.cache`` skips /live/): a new entry reaches readers within that time."""
    article = Article.objects.published().filter(pk=article_id).first()
    live = coverage.for_article(article) if article is not None else None
    if live is None:
        raise Http404("No live coverage here.")
    # In the story's own language, as its page shows the block.
    with editions.rendering_in(article.language):
        html = render_to_string("live/block.html", {"live": live}, request=request)
    response = JsonResponse({"open": live.is_open, "count": len(live.entries), "html": html})
    seconds = settings.LIVE_CACHE_SECONDS
    patch_cache_control(response, public=True, max_age=seconds, s_maxage=seconds)
    return response
