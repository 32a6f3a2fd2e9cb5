"""The Jinja2 environment of the reader pages (``templates/jinja2/``).

Readers' pages render with Jinja2, the admin and the error pages with Django's templates:
measured on the article page, Jinja2 renders the same HTML in about half the time
(README, "Benchmark"). Everything a template may call is named here.
"""

from datetime import datetime

import jinja2
from django.template.backends.jinja2 import Jinja2
from django.template.backends.jinja2 import Template as Jinja2Template
from django.template.defaultfilters import linebreaks_filter, pluralize
from django.templatetags.static import static
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.text import Truncator

from articles import widgets
from articles.origin import absolute_url
from articles.structured_data import share_image
from images import markup
from live import coverage as live_coverage


def date(value, format_string):
    """Django's ``date`` filter: ``value`` in the newsroom's time zone, formatted."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, format_string)


def truncatewords(value, count):
    return Truncator(value).words(count, truncate=" …")


def environment(**options):
    # A name a template uses but nobody passed is an error, not an empty string: the tests
    # render every page, so a typo fails them instead of vanishing from the HTML.
    options["undefined"] = jinja2.StrictUndefined
    env = jinja2.Environment(**options)
    env.globals.update(
        url=lambda name, **kwargs: reverse(name, kwargs=kwargs or None),
        static=static,
        absolute_url=absolute_url,
        picture=markup.picture,
        responsive_body=markup.responsive_body,
        recent_posts=widgets.recent_posts,
        sections=widgets.sections,
        page_url=widgets.page_url,
        localtime=timezone.localtime,
        share_image=share_image,
        live_coverage=live_coverage.for_article,
    )
    env.filters.update(
        age=widgets.age,
        datetime_attr=widgets.datetime_attr,
        date=date,
        linebreaks=lambda value: linebreaks_filter(value, autoescape=True),
        truncatewords=truncatewords,
        pluralize=pluralize,
    )
    return env


class Template(Jinja2Template):
    """Django's Jinja2 template with a ``name``, as the test client's records expect
    (tests/conftest.py has it report each render, as Django's own engine does in tests)."""

    @property
    def name(self):
        return self.origin.template_name


class Jinja2Backend(Jinja2):
    def get_template(self, template_name):
        template = super().get_template(template_name)
        return Template(template.template, self)
