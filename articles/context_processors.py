from django.conf import settings

from articles import editions


def site(request):
    """The masthead's names and the page's edition (its language and direction), for every
    template."""
    return {
        "site_name": settings.SITE_NAME,
        "site_short_name": settings.SITE_SHORT_NAME,
        "edition": editions.of_request(request),
    }
