from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count
from django.forms import Script
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_GET, require_POST

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


get_only = method_decorator(require_GET)
post_only = method_decorator(require_POST)

# How many pictures the body editor's picker lists for one search.
PICKER_RESULTS = 24


def picker_script():
    """The body editor's picture picker (``static/admin-newsroom/image-picker.js``) for an
    admin form's ``Media``: the image button opens the library, and a picture dropped or
    pasted into the text is uploaded into it. The script finds the library's addresses on
    its own tag."""
    return Script(
        "admin-newsroom/image-picker.js",
        **{"data-picker-url": reverse_lazy("admin:images_image_picker")},
    )


class PickerUploadForm(forms.Form):
    """A picture uploaded from the body editor: the same sanitising as the library's own
    form (``uploads.sanitize``, through ``services.image_from_file``), alt text required."""

    file = forms.FileField()
    alt = forms.CharField(max_length=250, strip=True)
    title = forms.CharField(max_length=200, required=False, strip=True)


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

    def get_urls(self):
        picker = [
            path(
                "picker/", self.admin_site.admin_view(self.picker_view), name="images_image_picker"
            ),
            path(
                "picker/upload/",
                self.admin_site.admin_view(self.picker_upload_view),
                name="images_image_picker_upload",
            ),
            path(
                "<int:pk>/renditions/",
                self.admin_site.admin_view(self.renditions_view),
                name="images_image_renditions",
            ),
        ]
        return picker + super().get_urls()

    def picker_json(self, image):
        """What the body editor's picker knows of a picture: ``src`` is the original's
        address, which the body keeps (``images.markup`` serves the renditions for it);
        ``thumb`` is [url, width, height]; ``ready`` whether the renditions exist."""
        return {
            "id": image.pk,
            "title": image.title,
            "alt": image.alt,
            "src": image.url,
            "thumb": list(image.rendition("thumb", at_most=160)),
            "ready": image.renditions_ready,
            "status": reverse("admin:images_image_renditions", args=[image.pk]),
        }

    @get_only
    def picker_view(self, request):
        """GET ``?q=words``: the newest library pictures matching the admin's own search
        (title, alt text, caption, credit, keyword), at most ``PICKER_RESULTS``, as JSON
        ``{"results": [picture…], "upload": url, "can_upload": bool}``."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        query = request.GET.get("q", "").strip()[:200]
        images = Image.objects.order_by("-created_at", "-pk")
        if query:
            images, duplicates = self.get_search_results(request, images, query)
            if duplicates:  # a picture with two matching keywords is listed once
                images = images.distinct()
        return JsonResponse(
            {
                "results": [self.picker_json(image) for image in images[:PICKER_RESULTS]],
                "upload": reverse("admin:images_image_picker_upload"),
                "can_upload": self.has_add_permission(request),
            }
        )

    @post_only
    def picker_upload_view(self, request):
        """POST ``file`` and ``alt`` (``title`` optional), multipart: the picture stored in
        the library at once, its renditions left to the worker. Answers 201 with the
        picture (200 with ``"existing": true`` when this exact file is already there), or
        400 with ``{"errors": {field: [message…]}}`` for a missing alt text or a file
        that is not an acceptable picture; 403 without the permission to add."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PickerUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        try:
            image, created = services.image_from_file(
                file=form.cleaned_data["file"],
                alt=form.cleaned_data["alt"],
                title=form.cleaned_data["title"],
                user=request.user,
            )
        except ValidationError as error:
            return JsonResponse(
                {"errors": {"file": [{"message": m, "code": ""} for m in error.messages]}},
                status=400,
            )
        return JsonResponse(
            {**self.picker_json(image), "existing": not created}, status=201 if created else 200
        )

    @get_only
    def renditions_view(self, request, pk):
        """GET: ``{"ready": bool}``, whether the picture's renditions exist yet (the
        editor's progress indicator asks until they do)."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        image = get_object_or_404(
            Image.objects.only("sha256", "focal_x", "focal_y", "renditions"), pk=pk
        )
        return JsonResponse({"ready": image.renditions_ready})

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
            "<code>{}</code><br>Stories use it when the picture is chosen with the body "
            "editor's image button or dropped into the text: readers then get the sizes "
            "that fit their screens.",
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
