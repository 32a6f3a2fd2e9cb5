from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

from core.fields import CleanCharField
from core.tags import CleanTagManager
from images import renditions


class ImageTag(TagBase):
    """Library keywords (people, places, events), kept apart from the site's article
    tags so that tagging a photo never creates a public tag page."""

    class Meta:
        verbose_name = "keyword"
        verbose_name_plural = "keywords"


class TaggedImage(TaggedItemBase):
    content_object = models.ForeignKey("Image", on_delete=models.CASCADE)
    tag = models.ForeignKey(ImageTag, on_delete=models.CASCADE, related_name="tagged_images")


percent = [MaxValueValidator(100)]


def image_path(instance, filename):
    """Originals are named by their content (as renditions are), so a stored name never
    means two different pictures and may be cached for good."""
    return f"images/{timezone.now():%Y/%m}/{instance.sha256[:12]}-{filename}"


class Image(models.Model):
    """A picture in the newsroom's library, uploaded once and used by any number of
    articles. The stored file is the sanitized original (``images.uploads``); pages serve
    its renditions (``images.renditions``)."""

    title = CleanCharField(
        max_length=200, help_text="How editors find the picture in the library; not shown."
    )
    file = models.FileField(
        "picture",
        upload_to=image_path,
        max_length=255,
        help_text="A JPEG, PNG, WebP, GIF, TIFF or AVIF file (HEIF cannot be read: export "
        "it as JPEG). Colours are converted to sRGB and location data and other metadata "
        "removed when it is stored; an animation shows its first frame only.",
    )
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    file_size = models.PositiveIntegerField("size in bytes", editable=False)
    sha256 = models.CharField(max_length=64, unique=True, editable=False)
    alt = CleanCharField(
        "alt text",
        max_length=250,
        help_text="What the picture shows, for readers who cannot see it.",
    )
    caption = CleanCharField(max_length=300, blank=True, help_text="Printed under the picture.")
    credit = CleanCharField(
        max_length=120, blank=True, help_text="Photographer or agency, e.g. “IRNA”."
    )
    focal_x = models.PositiveSmallIntegerField(
        "focal point across",
        null=True,
        blank=True,
        validators=percent,
        help_text="Per cent from the left edge of what must stay in every crop. Click the "
        "picture to set it; leave empty for the middle.",
    )
    focal_y = models.PositiveSmallIntegerField(
        "focal point down",
        null=True,
        blank=True,
        validators=percent,
        help_text="Per cent from the top edge.",
    )
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    tags = TaggableManager(
        "keywords",
        through=TaggedImage,
        blank=True,
        manager=CleanTagManager,
        help_text="Keywords to find it by.",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at",)
        get_latest_by = "created_at"

    def __str__(self):
        return self.title

    @property
    def focal_point(self):
        if self.focal_x is None and self.focal_y is None:
            return None
        across, down = self.focal_x, self.focal_y
        return (50 if across is None else across, 50 if down is None else down)

    @property
    def url(self):
        return self.file.url

    @property
    def stored_files(self):
        """Every file this image keeps in storage: the original and its renditions."""
        return [self.file.name, *renditions.files(self.renditions)]

    @property
    def social(self):
        """(url, width, height) for link previews: a 16:9 JPEG about 1,200 pixels wide."""
        return self.rendition("lead", at_most=1280)

    @property
    def renditions_ready(self):
        """Whether every rendition of the current picture and crop exists; until then
        pages serve the preview (or an older crop's renditions)."""
        return renditions.is_complete(
            self.renditions, renditions.manifest_key(self.sha256, self.focal_point)
        )

    def rendition(self, spec, fmt="jpeg", *, at_most=None):
        """(url, width, height) of a rendition; while none is made, of the small preview,
        and of the original only for an image stored before previews were made."""
        return (
            renditions.largest(self.renditions, spec, fmt, at_most=at_most)
            or renditions.preview(self.renditions)
            or (self.file.url, self.width, self.height)
        )
