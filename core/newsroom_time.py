"""Times as the newsroom reads them: in ``NEWSROOM_TIME_ZONE``, 24-hour, with the zone
named ("29 Nov 18:05 Tehran time"), so a writer in another zone is never misled."""

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format


def zone_name():
    """The newsroom's zone as people say it: "Tehran" for ``Asia/Tehran``."""
    return settings.NEWSROOM_TIME_ZONE.rsplit("/", 1)[-1].replace("_", " ")


def newsroom_time(value, *, with_date=True):
    """``value`` (an aware datetime) as "29 Nov 18:05 Tehran time", or "18:05 Tehran
    time" without the date; "" for None."""
    if value is None:
        return ""
    local = timezone.localtime(value, timezone.get_default_timezone())
    shown = date_format(local, "j M H:i" if with_date else "H:i")
    return f"{shown} {zone_name()} time"
