from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from core.roles import is_editor
from images import services, uploads
from images.models import Image, ImageTag


class ImageForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ("file", "title", "alt", "caption", "credit", "focal_x", "focal_y", "tags")
        widgets = {"file": forms.ClearableFileInput(attrs={"accept": "image/*"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.clean_image = None
        if "title" in self.fields:  # absent from a read-only (view) form
            self.fields["title"].required = False
            self.fields["title"].help_text += " Left empty, the alt text is used."

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not isinstance(upload, UploadedFile):
            return upload  # the stored picture, unchanged
        clean = uploads.sanitize(upload)
        duplicate = services.duplicate_of(clean, exclude_pk=self.instance.pk)
        if duplicate is not None:
            raise ValidationError(
                f"This picture is already in the library as “{duplicate}” (added "
                f"{date_format(duplicate.created_at, 'j F Y')}); use that one."
            )
        self.clean_image = clean
        return upload

    def clean(self):
        cleaned_data = super().clean()
        if not cleaned_data.get("title") and cleaned_data.get("alt"):
            cleaned_data["title"] = cleaned_data["alt"][:200]
        return cleaned_data


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageForm
    list_display = ("thumbnail", "title", "credit", "dimensions", "use_count", "created_at")
    list_display_links = ("thumbnail", "title")
    search_fields = ("title", "alt", "caption", "credit", "tags__name")
    list_filter = ("tags",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "focal_picker",
        "address",
        "dimensions",
        "used_by",
        "uploaded_by",
        "created_at",
    )
    fieldsets = (
        (None, {"fields": ("file", "title", "alt", "caption", "credit", "tags")}),
        (
            "Crops",
            {
                "fields": ("focal_picker", "focal_x", "focal_y"),
                "description": "Pages crop the picture to 16:9, 4:3 and squares around "
                "the focal point.",
            },
        ),
        (
            "About",
            {"fields": ("address", "dimensions", "used_by", "uploaded_by", "created_at")},
        ),
    )

    class Media:
        js = ("admin-newsroom/focal-point.js",)
        css = {"all": ("admin-newsroom/admin.css",)}

    def get_queryset(self, request):
        # The annotation's GROUP BY drops Meta.ordering: newest first, stated again.
        images = super().get_queryset(request).annotate(use_total=Count("articles"))
        return images.order_by("-created_at", "-pk")

    def has_change_permission(self, request, obj=None):
        """Writers may fix the pictures they uploaded; editors may change any."""
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or is_editor(request.user) or obj.uploaded_by_id == request.user.pk

    def save_model(self, request, obj, form, change):
        services.image_save(image=obj, clean=form.clean_image, user=request.user)
        if form.clean_image is not None and form.clean_image.frames > 1:
            messages.warning(
                request,
                f"“{obj}” is animated ({form.clean_image.frames} frames): pages show its "
                "first frame only, as a still picture.",
            )

    @admin.display(description="Picture")
    def thumbnail(self, obj):
        url, width, height = obj.rendition("thumb", at_most=160)
        return format_html(
            '<img src="{}" alt="" width="{}" height="{}" class="library-thumb">',
            url,
            width,
            height,
        )

    @admin.display(description="Size")
    def dimensions(self, obj):
        if not obj.pk:
            return "—"
        return f"{obj.width} × {obj.height} px, {obj.file_size / 1024:,.0f} KB"

    @admin.display(description="In a story's text")
    def address(self, obj):
        if not obj or not obj.pk:
            return "—"
        return format_html(
            "<code>{}</code><br>Give this address to the body editor's image button: "
            "readers then get the sizes that fit their screens.",
            obj.url,
        )

    @admin.display(description="Used by", ordering="use_total")
    def use_count(self, obj):
        return obj.use_total

    def get_object(self, request, object_id, from_field=None):
        image = super().get_object(request, object_id, from_field)
        if image is not None:
            # Only the articles this user may read (the articles' own visible_to rule): a
            # writer is not shown the titles of colleagues' drafts.
            image.visible_articles = list(
                image.articles.visible_to(request.user).only("title")[:50]
            )
        return image

    @admin.display(description="Used by")
    def used_by(self, obj):
        articles = getattr(obj, "visible_articles", []) if obj and obj.pk else []
        if not articles:
            return "No article yet."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a></li>',
                ((reverse("admin:articles_article_change", args=[a.pk]), a) for a in articles),
            ),
        )

    @admin.display(description="Focal point")
    def focal_picker(self, obj):
        if not obj or not obj.pk:
            return "Save the picture first; then click it here to set its focal point."
        url, width, height = obj.rendition("full", at_most=800)
        return format_html(
            '<div class="focal-picker"><img src="{}" alt="{}" width="{}" height="{}" '
            'data-focal-picker><span class="focal-picker__mark" hidden></span></div>',
            url,
            obj.alt,
            width,
            height,
        )


@admin.register(ImageTag)
class ImageTagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
