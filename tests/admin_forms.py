"""The article admin's forms as a browser fills them in: the one helper that reads the
rendered change or add form and returns what pressing Save would post, for every test
that saves through the admin."""

from html.parser import HTMLParser

from django.urls import reverse

from articles.models import Article
from tests.factories import AuthorFactory, SectionFactory


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


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
    parser = _PostedFields()
    parser.feed(response.content.decode())
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
