"""What readers' pages serve for library images: <picture> elements with their sources,
sizes and loading hints, link-preview images, and only addresses that storage holds."""

from fractions import Fraction

import pytest
from django.core.files.storage import InMemoryStorage, default_storage

from images.models import Image
from tests.conftest import SITE_WIDGETS_WARM
from tests.factories import ImageFactory, PublishedArticleFactory, SectionFactory
from tests.images.support import (
    add_data,
    add_url,
    change_data,
    change_url,
    delete_url,
    form_errors,
    jpeg_upload,
    media_files,
    open_stored,
    parse,
    run_worker,
    srcset_urls,
    storage_name,
)

pytestmark = pytest.mark.django_db

# The pinned count of tests/articles/test_views.py::test_article_page_query_count_is_fixed.
# The article (its live story joined, and whether it has corrections: it has none here),
# its bylines, tags, related stories (one ranking query), and the content generation
# (tests/conftest.py).
ARTICLE_PAGE_QUERIES = 4 + SITE_WIDGETS_WARM


@pytest.fixture
def article():
    image = ImageFactory(alt="Farmers sort pistachios in Rafsanjan", caption="Library caption")
    return PublishedArticleFactory(
        title="Pistachio exports fall",
        section=SectionFactory(name="Economy", slug="economy"),
        tags=["Pistachio"],
        image=image,
    )


def lead_picture(tree):
    (picture,) = tree.xpath('//figure[@class="article__figure"]/picture')
    return picture


def card_pictures(tree):
    return tree.xpath('//article[contains(@class, "card")]//picture')


def sources(picture):
    # lxml's HTML parser does not know that <source> is empty, so it nests what follows.
    return {source.get("type"): source for source in picture.xpath(".//source")}


def every_media_url(tree):
    """Every picture address on a page: srcset candidates and img sources."""
    urls = [url for srcset in tree.xpath("//picture//@srcset") for url, _ in srcset_urls(srcset)]
    urls += tree.xpath("//picture//img/@src")
    return urls


def assert_shape(width, height, shape):
    assert abs(Fraction(width) / shape - height) <= 1, (width, height, shape)


# The article page


def test_article_page_serves_a_picture_with_modern_formats_first(client, article):
    picture = lead_picture(parse(client.get(article.get_absolute_url())))

    by_type = sources(picture)
    assert list(by_type) == ["image/avif", "image/webp"]
    for mime_type, extension in (("image/avif", ".avif"), ("image/webp", ".webp")):
        candidates = srcset_urls(by_type[mime_type].get("srcset"))
        assert [width for _url, width in candidates] == [640, 960]
        assert all(url.endswith(extension) and "/lead-" in url for url, _ in candidates)
        assert by_type[mime_type].get("sizes")


def test_article_page_lead_img_reserves_its_space_and_loads_first(client, article):
    (img,) = lead_picture(parse(client.get(article.get_absolute_url()))).xpath(".//img")

    assert img.get("alt") == "Farmers sort pistachios in Rafsanjan"
    assert (img.get("width"), img.get("height")) == ("960", "540")
    assert [url[-4:] for url, _ in srcset_urls(img.get("srcset"))] == [".jpg", ".jpg"]
    assert img.get("sizes") == "(min-width: 60rem) 52rem, 100vw"
    assert img.get("src").endswith("/lead-960.jpg")
    assert img.get("fetchpriority") == "high"
    assert img.get("loading") is None


def test_alt_text_is_escaped(client):
    alt = 'Sign reading "No entry" <script>alert(1)</script>'
    article = PublishedArticleFactory(image=ImageFactory(width=400, height=300, alt=alt))

    response = client.get(article.get_absolute_url())

    assert b"<script>alert(1)</script>" not in response.content
    (img,) = lead_picture(parse(response)).xpath(".//img")
    assert img.get("alt") == alt


def test_article_page_shows_the_library_caption_and_credit(client, article):
    tree = parse(client.get(article.get_absolute_url()))

    (caption,) = tree.xpath('//figure[@class="article__figure"]/figcaption')
    assert caption.text_content().split() == ["Library", "caption", "IRNA"]


def test_article_caption_overrides_the_library_caption(client, article):
    article.image_caption = "This article's own caption"
    article.save()

    tree = parse(client.get(article.get_absolute_url()))

    (caption,) = tree.xpath('//figure[@class="article__figure"]/figcaption')
    assert "This article's own caption" in caption.text_content()
    assert "Library caption" not in caption.text_content()


def test_og_image_is_a_stored_16_9_jpeg_no_wider_than_1280(client):
    image = ImageFactory(width=1400, height=800, alt="Tehran skyline")
    article = PublishedArticleFactory(image=image)

    tree = parse(client.get(article.get_absolute_url()))

    (og_image,) = tree.xpath('//meta[@property="og:image"]/@content')
    width = int(tree.xpath('//meta[@property="og:image:width"]/@content')[0])
    height = int(tree.xpath('//meta[@property="og:image:height"]/@content')[0])
    assert og_image.startswith("http://testserver/media/renditions/")
    assert og_image.endswith("/lead-1280.jpg")
    assert (width, height) == (1280, 720)
    name = storage_name(og_image)
    stored = open_stored(name)
    assert (stored.format, stored.size) == ("JPEG", (1280, 720))
    assert tree.xpath('//meta[@property="og:image:alt"]/@content') == ["Tehran skyline"]
    assert tree.xpath('//meta[@name="twitter:image"]/@content') == [og_image]


def test_article_page_query_count_is_unchanged_by_an_image(
    client, article, django_assert_num_queries, warm_site
):
    warm_site()
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
        response = client.get(article.get_absolute_url())
    assert b"<picture>" in response.content


def test_picture_without_renditions_falls_back_to_the_original(client, article):
    Image.objects.filter(pk=article.image_id).update(renditions={})
    image = Image.objects.get(pk=article.image_id)

    tree = parse(client.get(article.get_absolute_url()))

    assert not tree.xpath("//picture")
    (img,) = tree.xpath('//figure[@class="article__figure"]/img')
    assert img.get("src") == image.url
    assert (img.get("width"), img.get("height")) == ("1200", "800")
    assert default_storage.exists(storage_name(img.get("src")))


# Lists


def test_section_page_cards_are_lazy_4_3_pictures(client, article):
    tree = parse(client.get("/category/economy/"))

    (picture,) = card_pictures(tree)
    (img,) = picture.xpath(".//img")
    assert img.get("loading") == "lazy"
    assert img.get("fetchpriority") is None
    assert_shape(int(img.get("width")), int(img.get("height")), Fraction(4, 3))
    assert all("/card-" in url for url in every_media_url(tree))
    assert list(sources(picture)) == ["image/avif", "image/webp"]


def test_tag_page_cards_are_lazy_4_3_pictures(client, article):
    tree = parse(client.get("/tag/pistachio/"))

    (picture,) = card_pictures(tree)
    (img,) = picture.xpath(".//img")
    assert img.get("loading") == "lazy"
    assert_shape(int(img.get("width")), int(img.get("height")), Fraction(4, 3))


def test_home_page_lead_loads_first_and_cards_load_lazily(client):
    section = SectionFactory()
    lead = PublishedArticleFactory(
        section=section, is_featured=True, image=ImageFactory(width=600, height=400)
    )
    PublishedArticleFactory(section=section, image=ImageFactory(width=600, height=400))

    tree = parse(client.get("/"))

    (lead_img,) = tree.xpath('//a[@class="lead__image"]/picture//img')
    assert lead_img.get("fetchpriority") == "high"
    assert lead_img.get("loading") is None
    assert "/lead-" in lead_img.get("src")
    assert lead.image.renditions["key"] in lead_img.get("src")
    cards = [img for picture in card_pictures(tree) for img in picture.xpath(".//img")]
    assert cards
    assert all(img.get("loading") == "lazy" for img in cards)
    assert all("/card-" in img.get("src") for img in cards)


@pytest.mark.parametrize("path", ["article", "/", "/category/economy/", "/tag/pistachio/"])
def test_every_picture_address_on_a_page_is_stored(client, article, path):
    PublishedArticleFactory(section=article.section, image=ImageFactory(width=500, height=400))
    tree = parse(client.get(article.get_absolute_url() if path == "article" else path))

    urls = every_media_url(tree)
    assert urls
    missing = [url for url in urls if not default_storage.exists(storage_name(url))]
    assert not missing


# Storage through the API only


@pytest.fixture
def in_memory_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    # The setting_changed signal empties the lazy default_storage, which every file field
    # and the renditions module share: its next use sets up the new backend.
    assert not default_storage.exists("anything")
    assert isinstance(default_storage._wrapped, InMemoryStorage)
    assert Image._meta.get_field("file").storage is default_storage


def test_upload_and_article_page_work_on_storage_without_local_paths(
    client, admin_client, in_memory_storage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(add_url(), add_data(jpeg_upload(1200, 800)))
    assert response.status_code == 302, form_errors(response)
    run_worker()
    image = Image.objects.get()
    article = PublishedArticleFactory(image=image)

    tree = parse(client.get(article.get_absolute_url()))

    assert lead_picture(tree) is not None
    urls = every_media_url(tree)
    assert urls
    assert all(default_storage.exists(storage_name(url)) for url in urls)
    assert open_stored(image.file.name).size == (1200, 800)
    assert media_files() == set()  # nothing written to MEDIA_ROOT on disk


def test_replacing_and_deleting_work_on_storage_without_local_paths(
    admin_client, in_memory_storage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(add_url(), add_data(jpeg_upload(seed=1)))
    image = Image.objects.get()
    first_files = image.stored_files

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            change_url(image), {**change_data(image), "file": jpeg_upload(seed=2)}
        )
    assert response.status_code == 302, form_errors(response)
    image.refresh_from_db()
    assert not any(default_storage.exists(name) for name in first_files)
    assert all(default_storage.exists(name) for name in image.stored_files)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(delete_url(image), {"post": "yes"})
    assert not any(default_storage.exists(name) for name in image.stored_files)
