"""Dates and ages as the Persian edition shows them: the Solar Hijri calendar (through
jdatetime), Persian month names and Persian digits ("۸ آذر ۱۴۰۵", "۲ ساعت پیش").

The Jinja2 filters ``date`` and ``age`` (``ifp.jinja2``) call these on a page of the
Persian edition (``articles.editions.current()``). Only what a reader reads changes: a
format that names the month (``F``) is a reader's date, and becomes a Solar Hijri one;
numeric formats (``c``, ``Y``, ``m``) build addresses and machine-readable values and
stay Gregorian, as ``<time datetime>`` stays ISO 8601. A month without a day (``F Y``)
names a month archive, whose months are the Gregorian ones of its address (/fa/2026/11/):
it is named in Persian, "نوامبر ۲۰۲۶", not given a Solar Hijri month it does not match.
"""

from datetime import datetime

import jdatetime
from django.utils import timezone

from articles import templating

_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# The Gregorian months as Persian writes them (the Academy of Persian Language's spelling).
GREGORIAN_MONTHS = (
    "ژانویه",
    "فوریه",
    "مارس",
    "آوریل",
    "مه",
    "ژوئن",
    "ژوئیه",
    "اوت",
    "سپتامبر",
    "اکتبر",
    "نوامبر",
    "دسامبر",
)

# The names of templating.AGE_UNITS in Persian; static/js/relative-time.js has the same.
AGE_UNITS = {
    "year": "سال",
    "month": "ماه",
    "week": "هفته",
    "day": "روز",
    "hour": "ساعت",
    "minute": "دقیقه",
}
JUST_NOW = "همین حالا"


def digits(value):
    """``value`` (anything) as text with Persian digits."""
    return str(value).translate(_PERSIAN_DIGITS)


def is_reader_format(format_string):
    return "F" in format_string


def format_date(value, format_string):
    """``value`` (a date or an aware datetime, shown in the newsroom's zone) as
    "day month year" in the Solar Hijri calendar, with "، HH:MM" when ``format_string``
    shows the time (``H:i``); as a Gregorian "month year" when it shows no day (``j``)."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if "j" not in format_string:
        return digits(f"{GREGORIAN_MONTHS[value.month - 1]} {value.year}")
    solar = jdatetime.date.fromgregorian(
        date=value if not isinstance(value, datetime) else value.date()
    )
    month = jdatetime.date.j_months_fa[solar.month - 1]
    text = f"{solar.day} {month} {solar.year}"
    if "H:i" in format_string and isinstance(value, datetime):
        text += f"، {value:%H:%M}"
    return digits(text)


def age(value, now=None):
    """ "۲ ساعت پیش": how long ago ``value`` was, in its largest unit, by the same units
    as the English "2 hours ago" (``templating.AGE_UNITS``); Persian does not inflect the
    unit after a number."""
    if value is None:
        return ""
    seconds = ((now or timezone.now()) - value).total_seconds()
    for size, unit in templating.AGE_UNITS:
        if seconds >= size:
            return digits(f"{int(seconds // size)} {AGE_UNITS[unit]} پیش")
    return JUST_NOW
