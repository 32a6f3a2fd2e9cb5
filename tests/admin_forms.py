"""The article admin's forms as a browser fills them in: the one helper that reads the
rendered change or add form and returns what pressing Save would post, for every test
that saves through the admin."""

from html.parser import HTMLParser

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from articles.models import Article
from tests.factories import AuthorFactory, SectionFactory


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def add_url():
    return reverse("admin:articles_article_add")


class _PostedFields(HTMLParser):
    """What a browser posts from the article change form: every named input, textarea and
    select of #article_form, without buttons, file inputs, unchecked boxes and the inlines'
    ``__prefix__`` templates."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_form = False
        self.data = {}
        self.textarea = None
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "article_form":
            self.in_form = True
        name = attrs.get("name")
        if not self.in_form or not name or "__prefix__" in name:
            if tag == "option" and self.select and "selected" in attrs:
                self.data[self.select] = attrs.get("value", "")
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.data[name] = attrs.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "textarea":
            self.textarea = name
            self.data[name] = ""
        elif tag == "select":
            self.select = name

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "textarea" and self.textarea:
            # Browsers drop the newline that follows <textarea>.
            self.data[self.textarea] = self.data[self.textarea].removeprefix("\n")
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data


def posted_fields(response):
    return form_fields(response.content.decode())


def form_fields(page):
    """What the article form in the HTML ``page`` posts (a page fetched from a real
    server, say), as a dict of field names to values."""
    parser = _PostedFields()
    parser.feed(page)
    parser.close()
    assert "title" in parser.data, "no article change form on the page"
    return parser.data


def open_change_form(client, article):
    """GET the change form; returns the response and what saving it unchanged would post."""
    response = client.get(change_url(article))
    assert response.status_code == 200
    return response, posted_fields(response)


def save_in_admin(client, article, **changes):
    """Open the change form, change some fields and press Save, as an editor would."""
    _, data = open_change_form(client, article)
    data.update(changes)
    response = client.post(change_url(article), data)
    assert response.status_code == 302, form_errors(response)
    return response


def add_in_admin(client, **fields):
    """Fill in the add form (a section and one byline are made for it) and press Save."""
    response = client.get(reverse("admin:articles_article_add"))
    assert response.status_code == 200
    data = posted_fields(response)
    data.update({"section": SectionFactory().pk, "bylines-0-author": AuthorFactory().pk, **fields})
    response = client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302, form_errors(response)
    return Article.objects.get(slug=fields["slug"])


def form_errors(response):
    context = response.context
    if not context or "adminform" not in context:
        return response.status_code
    return context["adminform"].form.errors, [
        inline.formset.errors for inline in context["inline_admin_formsets"]
    ]


def add_correction(data, article, text, kind="correction"):
    """Fill in one more row of the corrections inline."""
    index = int(data["corrections-TOTAL_FORMS"])
    data["corrections-TOTAL_FORMS"] = str(index + 1)
    data[f"corrections-{index}-id"] = ""
    data[f"corrections-{index}-article"] = str(article.pk)
    data[f"corrections-{index}-kind"] = kind
    data[f"corrections-{index}-text"] = text
    return data


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def rendered_form(url):
    """What the article form at ``url`` posts as a superuser sees it (every field): the
    base of a test's POST when the user under test may not open the form (a forged POST)
    or the test needs no particular user's view."""
    reader, _ = get_user_model().objects.get_or_create(
        username="form-reader", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(reader)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return posted_fields(response)


def set_bylines(data, authors, *, after=0):
    """Byline rows for ``authors`` (in that order) from row ``after`` on; rows past them
    are dropped, and the management form counts what is left."""
    for key in [key for key in data if key.startswith("bylines-") and key[8:9].isdigit()]:
        if int(key.split("-")[1]) >= after:
            del data[key]
    for offset, author in enumerate(authors):
        index = after + offset
        data[f"bylines-{index}-author"] = str(author.pk)
        data[f"bylines-{index}-position"] = str(index)
    data["bylines-TOTAL_FORMS"] = str(after + len(authors))
    return data


def change_form_data(article, *, extra_authors=(), **overrides):
    """What the change form posts for ``article`` as stored now (the version it was opened
    at included), with ``extra_authors`` as new byline rows and ``overrides``."""
    data = rendered_form(change_url(article))
    if extra_authors:
        set_bylines(data, extra_authors, after=int(data["bylines-INITIAL_FORMS"]))
    data.update(overrides)
    return data


def add_form_data(section, authors, **overrides):
    """What the add form posts for a new article in ``section`` by ``authors`` (byline
    order), with ``overrides`` of its fields."""
    data = rendered_form(add_url())
    data["section"] = str(section.pk)
    set_bylines(data, authors)
    data.update(overrides)
    return data
