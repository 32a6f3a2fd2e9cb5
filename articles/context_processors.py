from django.conf import settings


def site(request):
    """The masthead's names, for every template."""
    return {"site_name": settings.SITE_NAME, "site_short_name": settings.SITE_SHORT_NAME}
