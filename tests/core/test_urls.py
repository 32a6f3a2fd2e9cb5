"""``core.urls.reverse``: Django's reverse, remembered, never answering with an address of
another URL configuration, script prefix or language than the current one; and
``core.urls.reverse_text``, the same address for a text argument without remembering it;
``core.urls.static``, Django's static, remembered by storage."""

import pytest
from django.templatetags.static import static as django_static
from django.urls import NoReverseMatch, clear_script_prefix, path, set_script_prefix
from django.urls import reverse as django_reverse

from core.urls import _reverse, forget_reversed, reverse, reverse_text, static


def view(request):
    raise AssertionError("never called")


urlpatterns = [path("elsewhere/<slug:slug>/", view, name="detail")]


def test_the_same_address_as_django_gives():
    for name, kwargs in [
        ("articles:home", None),
        ("articles:detail", {"slug": "a-story"}),
        ("fa:detail", {"slug": "خبر"}),
        ("staff:detail", {"slug": "reza"}),
        ("feed", None),
    ]:
        assert reverse(name, kwargs=kwargs) == django_reverse(name, kwargs=kwargs)
        assert reverse(name, kwargs=kwargs) == django_reverse(name, kwargs=kwargs)


def test_another_url_configuration_is_not_answered_from_memory(settings):
    assert reverse("articles:detail", kwargs={"slug": "x"}) == "/x/"
    settings.ROOT_URLCONF = __name__
    assert reverse("detail", kwargs={"slug": "x"}) == "/elsewhere/x/"
    with pytest.raises(NoReverseMatch):
        reverse("articles:detail", kwargs={"slug": "x"})


def test_the_script_prefix_is_part_of_the_address():
    assert reverse("articles:detail", kwargs={"slug": "x"}) == "/x/"
    set_script_prefix("/news/")
    try:
        assert reverse("articles:detail", kwargs={"slug": "x"}) == "/news/x/"
    finally:
        clear_script_prefix()
    assert reverse("articles:detail", kwargs={"slug": "x"}) == "/x/"


def test_an_argument_that_cannot_be_a_key_still_reverses():
    class Unhashable(str):
        __hash__ = None

    assert reverse("articles:detail", kwargs={"slug": Unhashable("x")}) == "/x/"


def test_a_missing_route_is_an_error_each_time():
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            reverse("articles:detail", kwargs={"no-such-argument": "x"})


def test_equal_arguments_of_other_types_are_other_addresses(settings):
    """1 == True in a dictionary key; not in an address."""
    settings.ROOT_URLCONF = __name__
    assert reverse("detail", kwargs={"slug": 1}) == "/elsewhere/1/"
    assert reverse("detail", kwargs={"slug": True}) == "/elsewhere/True/"


# Every printable ASCII character but "/", letters of both editions' scripts (Persian's
# own, the Arabic keyboard's, a zero-width non-joiner), an emoji, a control character, a
# percent sign that looks like an escape, and a stand-in-like value.
TEXTS = [
    "a-story",
    "".join(chr(code) for code in range(32, 127) if chr(code) != "/"),
    "خبر-تازه",
    "كيف-يعمل",  # Arabic kaf and yeh
    "می\u200cخواهم",
    "🗞-news",
    "tab\there",
    "100%25-sure",
    "0-stand-in-0",
    "x",
]


@pytest.mark.parametrize("name", ["articles:detail", "fa:detail"])
@pytest.mark.parametrize("prefix", ["/", "/news room/", "/خبر/"])
def test_a_text_argument_gets_the_address_django_gives(name, prefix):
    set_script_prefix(prefix)
    try:
        for text in TEXTS:
            assert reverse_text(name, "slug", text) == django_reverse(name, kwargs={"slug": text})
    finally:
        clear_script_prefix()


class Printed(str):
    def __str__(self):
        return "printed"


@pytest.mark.parametrize("text", ["", "a/b", "/", None, 7, Printed("value")])
def test_a_value_the_route_refuses_is_djangos_error_or_answer(text):
    try:
        expected = django_reverse("articles:detail", kwargs={"slug": text})
    except NoReverseMatch:
        with pytest.raises(NoReverseMatch):
            reverse_text("articles:detail", "slug", text)
    else:
        assert reverse_text("articles:detail", "slug", text) == expected


def test_text_addresses_are_not_remembered_one_by_one():
    """A thousand articles' addresses (a news sitemap) leave one remembered address, the
    route's own, not a thousand."""
    forget_reversed()  # a full memory would hold its size whatever is named
    reverse_text("articles:detail", "slug", "first")
    before = _reverse.cache_info().currsize
    assert before == 1
    for number in range(1000):
        reverse_text("articles:detail", "slug", f"story-{number}")
    assert _reverse.cache_info().currsize == before


def test_another_url_configuration_gets_its_own_text_addresses(settings):
    assert reverse_text("articles:detail", "slug", "x") == "/x/"
    settings.ROOT_URLCONF = __name__
    assert reverse_text("detail", "slug", "x") == "/elsewhere/x/"
    with pytest.raises(NoReverseMatch):
        reverse_text("articles:detail", "slug", "x")


def test_a_static_address_is_the_one_django_gives():
    for name in ("css/site.css", "img/logo.png"):
        assert static(name) == django_static(name)
        assert static(name) == django_static(name)


def test_a_new_static_url_or_storage_is_not_answered_from_memory(settings):
    before = static("css/site.css")
    settings.STATIC_URL = "/assets/"
    after = static("css/site.css")
    assert after.startswith("/assets/") and not before.startswith("/assets/")
    assert after == django_static("css/site.css")
