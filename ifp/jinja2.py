"""The Jinja2 environment of the reader pages (``templates/jinja2/``).

Readers' pages render with Jinja2, the admin and the error pages with Django's templates:
measured on the article page, Jinja2 renders the same HTML in about half the time
(README, "Benchmark"). Everything a template may call is named here.
"""

from datetime import datetime

import jinja2
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.backends.jinja2 import Jinja2
from django.template.backends.jinja2 import Template as Jinja2Template
from django.template.defaultfilters import linebreaks_filter, pluralize
from django.utils import dateformat, timezone, translation
from django.utils.text import Truncator
from markupsafe import Markup, escape

from articles import cards, chrome, editions, persian_dates, site_extras, site_widgets, templating
from articles.origin import absolute_url
from articles.sharing import share_targets
from articles.structured_data import share_image
from core.urls import static
from images import markup
from live import coverage as live_coverage


def date(value, format_string):
    """Django's ``date`` filter: ``value`` in the newsroom's time zone, formatted; on the
    Persian edition a reader's date (a format naming the month) is a Solar Hijri one."""
    if value is None or value == "":
        return ""
    if editions.current().code == "fa" and persian_dates.is_reader_format(format_string):
        return persian_dates.format_date(value, format_string)
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, format_string)


@jinja2.pass_context
def url(context, name, **kwargs):
    """``reverse``, in the page's own edition: on a page of the Persian edition, the
    Persian route of ``name`` when there is one (``articles.editions.reverse_in``), so
    ``url('articles:home')`` is /fa/ and ``url('section-feed', slug=…)`` /fa/category/…/feed/."""
    request = context.get("request")
    # Macros are imported without the page's context: the edition the request activated.
    edition = editions.of_request(request) if request is not None else editions.current()
    return editions.reverse_in(edition, name, kwargs)


def age(value, now=None):
    """ "2 hours ago", or "۲ ساعت پیش" on the Persian edition; ``now`` by default the
    clock's (a list of cards passes one for all)."""
    if editions.current().code == "fa":
        return persian_dates.age(value, now)
    return templating.age(value, now)


def age_element(value, text=None):
    """The ``<time class="age" datetime=… data-age>`` element of ``value``'s age, which
    ``static/js/relative-time.js`` keeps right on cached pages (``Markup``); ``text``, when
    given, stands in for the age's words (a kept card's mark for its live age). Written in
    Python rather than as a macro: a Jinja macro call costs several times the element's
    own work."""
    words = age(value) if text is None else text
    return Markup(
        f'<time class="age" datetime="{escape(templating.datetime_attr(value))}" data-age>'
        f"{escape(words)}</time>"
    )


def number(value):
    """A number of the interface ("Page 2 of 5"), in Persian digits on the Persian edition."""
    if editions.current().code == "fa":
        return persian_dates.digits(value)
    return str(value)


def truncatewords(value, count):
    return Truncator(value).words(count, truncate=" …")


class Environment(jinja2.Environment):
    """Jinja's environment, whose templates' globals are a plain dictionary.

    Jinja chains each template's globals onto the environment's (a ``ChainMap``), and every
    ``{% from "includes/macros.html" import … %}`` compares the page's global names with
    the macros' through that chain: about 200 Python calls an import, four imports on a
    list page. The globals are all named in ``environment()`` before any template loads
    (Jinja asks for that too), so a copy serves the same names."""

    def make_globals(self, d):
        return {**self.globals, **(d or {})}


# The interface's words translated, by language and message; emptied when a setting that
# chooses the catalogs changes (tests).
_words = {}


@receiver(setting_changed)
def _forget_words(setting, **kwargs):
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "INSTALLED_APPS"}:
        _words.clear()


def words(message, **variables):
    """``{{ _("Page %(number)s", number=…) }}``: Jinja's own newstyle ``gettext`` (the
    translation, marked safe as the template's text is, with ``variables`` put in
    escaped), the translation remembered a process by language. Django's ``gettext`` and
    Jinja's wrappers cost about 70 Python calls a phrase; a page has ten or more."""
    key = (translation.get_language(), message)
    translated = _words.get(key)
    if translated is None:
        translated = _words[key] = Markup(translation.gettext(message))
    return translated % variables


def environment(**options):
    # A name a template uses but nobody passed is an error, not an empty string: the tests
    # render every page, so a typo fails them instead of vanishing from the HTML.
    options["undefined"] = jinja2.StrictUndefined
    # The interface's words through Django's gettext, in the language the page's edition
    # activated (articles.editions.EditionMiddleware): {{ _("Home") }}, {% trans %}.
    options["extensions"] = [*options.get("extensions", ()), "jinja2.ext.i18n"]
    env = Environment(**options)
    env.install_gettext_translations(translation, newstyle=True)
    env.globals.update(_=words, gettext=words)
    env.globals.update(
        url=url,
        age=age_element,
        static=static,
        absolute_url=absolute_url,
        picture=markup.picture,
        article_cards=cards.article_cards,
        front_page_cards=cards.front_page_cards,
        responsive_body=markup.responsive_body,
        recent_posts=site_widgets.recent_posts,
        sections=site_widgets.sections,
        page_url=templating.page_url,
        localtime=timezone.localtime,
        share_image=share_image,
        alternates=editions.alternates,
        other_editions=editions.other_editions,
        persian_digits=persian_dates.digits,
        direction=lambda code: editions.get(code).direction,
        share_targets=share_targets,
        standing_pages=site_extras.standing_pages,
        site_alert=site_extras.site_alert,
        most_read_lists=site_extras.most_read_lists,
        live_coverage=live_coverage.for_article,
        site_header=chrome.site_header,
        site_footer=chrome.site_footer,
    )
    env.filters.update(
        age=age,
        datetime_attr=templating.datetime_attr,
        date=date,
        linebreaks=lambda value: linebreaks_filter(value, autoescape=True),
        truncatewords=truncatewords,
        number=number,
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
