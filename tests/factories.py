from datetime import timedelta

import factory
from django.core.files.base import ContentFile
from django.test import TestCase
from django.utils import timezone

from articles.models import Article, Byline, Section
from images.models import Image
from images.services import image_from_file
from images.tasks import make_renditions
from staff.models import Author
from tests.images import picture_bytes


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Reporter {n}")
    slug = factory.Sequence(lambda n: f"reporter-{n}")
    job_title = "Reporter"
    bio = "Covers the news."


class DeskAuthorFactory(AuthorFactory):
    kind = Author.Kind.DESK
    name = factory.Sequence(lambda n: f"Desk {n}")
    slug = factory.Sequence(lambda n: f"desk-{n}")


class ImageFactory(factory.Factory):
    """A library image stored the way the admin stores one: a real picture made by Pillow,
    sanitized, with its renditions (made by their task, as the worker would). Each gets its
    own colour, so none is a duplicate."""

    class Meta:
        model = Image

    title = factory.Sequence(lambda n: f"Picture {n}")
    alt = "Pistachio orchard near Kerman"
    caption = "Harvest time in Kerman."
    credit = "IRNA"
    width = 1200
    height = 800
    seed = factory.Sequence(lambda n: n)
    fmt = "JPEG"

    @classmethod
    def _create(cls, model_class, width, height, seed, fmt, **fields):
        data = picture_bytes(width, height, seed=seed, fmt=fmt)
        extension = {"JPEG": "jpg"}.get(fmt, fmt.lower())
        image, _created = image_from_file(
            file=ContentFile(data, name=f"picture-{seed}.{extension}"), **fields
        )
        with TestCase.captureOnCommitCallbacks(execute=True):  # the preview is removed
            make_renditions.call(image.pk)
        image.refresh_from_db()
        return image


class ArticleFactory(factory.django.DjangoModelFactory):
    """A draft by default; the subclasses name the other states."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Headline number {n}")
    slug = factory.Sequence(lambda n: f"headline-number-{n}")
    body = "<p>The first paragraph of the story.</p><p>The second paragraph.</p>"
    section = factory.SubFactory(SectionFactory)
    status = Article.Status.DRAFT

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        """``authors=[a, b]`` sets the byline in that order; by default one new author."""
        if not create:
            return
        authors = extracted if extracted is not None else [AuthorFactory()]
        for position, author in enumerate(authors):
            Byline.objects.create(article=self, author=author, position=position)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)


class DraftArticleFactory(ArticleFactory):
    pass


class ReviewArticleFactory(ArticleFactory):
    status = Article.Status.REVIEW


class PublishedArticleFactory(ArticleFactory):
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))


class ScheduledArticleFactory(ArticleFactory):
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1))


class UnpublishedArticleFactory(ArticleFactory):
    status = Article.Status.UNPUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))


# Every state a reader must not see, for tests that check each public surface.
HIDDEN_FACTORIES = [
    DraftArticleFactory,
    ReviewArticleFactory,
    ScheduledArticleFactory,
    UnpublishedArticleFactory,
]
