from django.conf import settings
from django.db import models

from core.fields import CleanCharField, CleanTextField
from core.slugs import fill_slug
from core.urls import reverse


def bio_language_choices():
    """The site's languages (``LANGUAGES``, from ``SITE_LANGUAGES``): a callable, so that
    the migration does not freeze the setting's value."""
    return list(settings.LANGUAGES)


def author_url(slug):
    """The address of the author page of the author whose slug is ``slug``: what
    ``Author.get_absolute_url`` gives, for a byline read without its author
    (``articles.models.BylineName``)."""
    return reverse("staff:detail", kwargs={"slug": slug})


class Author(models.Model):
    """A byline: a person on the staff, or a desk such as "IFP Editorial Staff"."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        DESK = "desk", "Desk"

    name = CleanCharField(max_length=120, help_text="The name printed in the byline.")
    slug = models.SlugField(
        max_length=120,
        unique=True,
        allow_unicode=True,
        help_text="The last part of the author page’s address, as in /author/your-slug/.",
    )
    kind = models.CharField(
        max_length=10,
        choices=Kind.choices,
        default=Kind.PERSON,
        help_text="A person, or a desk byline shared by several journalists.",
    )
    job_title = CleanCharField(
        max_length=120, blank=True, help_text="Shown under the name, e.g. 'Political editor'."
    )
    bio = CleanTextField(
        blank=True,
        help_text="Plain text shown in the author box under every article and on the "
        "author page. Separate paragraphs with a blank line.",
    )
    language = models.CharField(
        "bio language",
        max_length=8,
        blank=True,
        db_default="",
        choices=bio_language_choices,
        help_text="The language the bio is written in, so that it is set right to left for "
        "Persian; blank when unknown (each line's own direction is then used).",
    )
    photo = models.ImageField(
        upload_to="authors/",
        blank=True,
        help_text="A square portrait, at least 240 pixels wide.",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author",
        help_text="The staff account that may edit this bio, photo and job title.",
    )

    class Meta:
        ordering = ("name",)

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        fill_slug(self, self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return author_url(self.slug)

    @property
    def is_desk(self):
        return self.kind == self.Kind.DESK
