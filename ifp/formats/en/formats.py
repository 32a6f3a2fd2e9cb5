"""The admin's one date format (Django's format files, ``FORMAT_MODULE_PATH``): newsroom
time, 24-hour, with the zone named, as ``core.newsroom_time`` writes it in messages
("29 Nov 2026, 18:05 Tehran time"). The reader pages give their formats explicitly."""

from django.conf import settings


def _literal(text):
    """``text`` as a date format prints it: every character escaped."""
    return "".join(f"\\{character}" for character in text)


_ZONE = _literal(" " + settings.NEWSROOM_TIME_ZONE.rsplit("/", 1)[-1].replace("_", " ") + " time")

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i" + _ZONE
DATETIME_FORMAT = "j M Y, H:i" + _ZONE
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i" + _ZONE
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
# The admin's date and time inputs keep Django's own input formats.
