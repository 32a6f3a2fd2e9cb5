from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django_prose_editor.fields import ProseEditorField
from taggit.managers import TaggableManager

from articles import richtext

# Words in the site's own paths: an article with one of these slugs could never be reached.
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "author",
        "authors",
        "category",
        "corrections",
        "feed",
        "healthz",
        "media",
        "news-sitemap.xml",
        "page",
        "preview",
        "robots.txt",
        "search",
        "sitemap.xml",
        "static",
        "tag",
        "wp-admin",
        "wp-content",
        "wp-includes",
        "wp-json",
        "wp-login.php",
    }
)

EXCERPT_WORDS = 15


def validate_article_slug(value):
    if value.lower() in RESERVED_SLUGS:
        raise ValidationError(
            "“%(slug)s” is a reserved address on this site; choose another slug.",
            code="reserved",
            params={"slug": value},
        )
    if value.isdigit():
        raise ValidationError(
            "A slug made only of digits would clash with the date archives; add a word.",
            code="numeric",
        )


class Section(models.Model):
    """A section of the paper (a WordPress category). Every article belongs to one."""

    name = models.CharField(max_length=80, unique=True, help_text="Shown in the navigation.")
    slug = models.SlugField(
        max_length=80,
        unique=True,
        allow_unicode=True,
        help_text="The last part of the section's address: /category/<slug>/.",
    )
    description = models.TextField(
        blank=True, help_text="One or two sentences shown at the top of the section page."
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order in the navigation and on the home page; lower comes first."
    )

    class Meta:
        ordering = ("position", "name")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:section", kwargs={"slug": self.slug})


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What a reader may see: status published and ``published_at`` not in the future.

        The one definition of "public". Scheduled articles appear by themselves once
        their time has come, because every read goes through here.
        """
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def for_listing(self):
        """The joins a list of article cards needs: section and ordered bylines."""
        return self.select_related("section").prefetch_related(
            Prefetch("bylines", queryset=Byline.objects.select_related("author"))
        )

    def for_page(self):
        """The joins the article page needs, in a fixed number of queries."""
        return self.for_listing().prefetch_related("tags")


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"
        UNPUBLISHED = "unpublished", "Unpublished"

    title = models.CharField(max_length=250, help_text="The headline.")
    slug = models.SlugField(
        max_length=200,
        unique=True,
        allow_unicode=True,
        validators=[validate_article_slug],
        help_text="The article's address: /<slug>/. Changing it breaks links shared so far.",
    )
    kicker = models.CharField(
        max_length=60,
        blank=True,
        help_text="A short label above the headline, such as “IFP Exclusive” or “Analysis”.",
    )
    standfirst = models.TextField(
        blank=True,
        help_text="One or two sentences under the headline. When empty, lists show the "
        "body's first words instead.",
    )
    body = ProseEditorField(
        config=richtext.BODY_EDITOR_CONFIG,
        sanitize=richtext.sanitize_body,
        blank=True,
        help_text="The story. Headings, bold, italic, links, lists and quotes.",
    )
    excerpt = models.CharField(
        max_length=400,
        blank=True,
        editable=False,
        help_text="Derived on save from the standfirst, or else the body: its first words.",
    )
    section = models.ForeignKey(
        Section,
        on_delete=models.PROTECT,
        related_name="articles",
        help_text="The section the article is filed in.",
    )
    authors = models.ManyToManyField(
        "staff.Author", through="Byline", related_name="articles", blank=True
    )
    tags = TaggableManager(blank=True, help_text="Topics, people and places, comma-separated.")
    is_featured = models.BooleanField(
        "lead story",
        default=False,
        help_text="Lead the home page with this article while it is the newest lead story.",
    )
    image = models.ImageField(
        "featured image",
        upload_to="articles/%Y/%m/",
        blank=True,
        width_field="image_width",
        height_field="image_height",
        help_text="Shown at the top of the article and on cards. At least 1200 pixels wide.",
    )
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_alt = models.CharField(
        "alt text",
        max_length=250,
        blank=True,
        help_text="What the image shows, for readers who cannot see it. Required with an image.",
    )
    image_caption = models.CharField(
        "caption", max_length=300, blank=True, help_text="Printed under the image."
    )
    image_credit = models.CharField(
        "credit", max_length=120, blank=True, help_text="Photographer or agency, e.g. “IRNA”."
    )
    status = models.CharField(
        max_length=12,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="Readers see the article only when it is published and its publication "
        "time has come; a future time schedules it.",
    )
    published_at = models.DateTimeField(
        "publication time",
        null=True,
        blank=True,
        help_text="When readers first see the article. Left empty, publishing sets it to now.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ("-published_at", "-id")
        get_latest_by = "published_at"
        indexes = [
            # published() filters on status and sorts by published_at on every public page.
            models.Index(fields=["status", "-published_at"], name="article_public_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body = richtext.sanitize_body(self.body)
        source = self.standfirst.strip() or richtext.plain_text(self.body)
        self.excerpt = richtext.excerpt(source, EXCERPT_WORDS)[:400]
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.image and not self.image_alt.strip():
            raise ValidationError(
                {"image_alt": "Describe the image for readers who cannot see it."}
            )

    @property
    def byline_authors(self):
        """The authors in byline order (from the prefetch that ``for_listing`` sets up)."""
        return [byline.author for byline in self.bylines.all()]

    @property
    def summary(self):
        return self.standfirst or self.excerpt

    def is_published(self):
        """Whether readers can see the article now (the instance form of ``published()``)."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    def publish(self, *, at=None):
        """Publish now, or at ``at`` (a future time schedules the article)."""
        self.status = self.Status.PUBLISHED
        self.published_at = at or self.published_at or timezone.now()

    def unpublish(self):
        self.status = self.Status.UNPUBLISHED


class Byline(models.Model):
    """One author of one article, in the order the byline prints them."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey("staff.Author", on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="byline_unique_author"),
        ]

    def __str__(self):
        return f"{self.author} on {self.article}"
