from django import forms
from django.contrib import admin
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from images import uploads
from staff.models import Author


class AuthorForm(forms.ModelForm):
    def clean_photo(self):
        """A new photo is stored only as a sanitized picture (images.uploads)."""
        photo = self.cleaned_data.get("photo")
        if isinstance(photo, UploadedFile):
            return uploads.sanitize(photo).content
        return photo


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    """Bylines. Staff who may not manage authors may still edit their own bio.

    A staff account linked to an author (``Author.user``) sees that one author, and may
    change its job title, bio and photo; never another author, and never the name,
    address or account link.
    """

    form = AuthorForm
    list_display = ("name", "kind", "job_title", "user")
    list_filter = ("kind",)
    search_fields = ("name", "job_title", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("user",)
    fields = ("name", "slug", "kind", "job_title", "bio", "language", "photo", "user")
    own_bio_fields = ("job_title", "bio", "language", "photo")

    @staticmethod
    def own_author(request):
        return getattr(request.user, "author", None)

    def manages_authors(self, request):
        return request.user.has_perm("staff.change_author")

    def is_own(self, request, obj):
        own = self.own_author(request)
        return own is not None and (obj is None or obj.pk == own.pk)

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self.own_author(request) is not None

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or self.is_own(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) or self.is_own(request, obj)

    def get_queryset(self, request):
        authors = super().get_queryset(request).select_related("user")
        if request.user.has_perm("staff.view_author") or self.manages_authors(request):
            return authors
        own = self.own_author(request)
        return authors.filter(pk=own.pk) if own else authors.none()

    def get_fields(self, request, obj=None):
        if self.manages_authors(request):
            return self.fields
        return ("name", *self.own_bio_fields)

    def get_readonly_fields(self, request, obj=None):
        if self.manages_authors(request):
            return ()
        return ("name",)

    def save_model(self, request, obj, form, change):
        replaced = change and "photo" in form.changed_data and form.initial.get("photo")
        old_name = replaced.name if replaced else ""
        super().save_model(request, obj, form, change)
        if old_name and old_name != obj.photo.name:
            # The replaced or cleared photo goes once the change is committed.
            transaction.on_commit(lambda: default_storage.delete(old_name))

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if self.manages_authors(request) else {}
