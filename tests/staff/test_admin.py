import io
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from staff.models import Author
from tests.factories import AuthorFactory

CHANGELIST = "admin:staff_author_changelist"
OWN_BIO_FIELDS = {"job_title", "bio", "language", "photo"}
ALL_FIELDS = {"name", "slug", "kind", "job_title", "bio", "language", "photo", "user"}


def change_url(author):
    return reverse("admin:staff_author_change", args=[author.pk])


def delete_url(author):
    return reverse("admin:staff_author_delete", args=[author.pk])


def form_fields(response):
    """The names of the editable fields on an admin change form."""
    return set(response.context["adminform"].form.fields)


def listed(response):
    """The authors on an admin changelist page."""
    return list(response.context["cl"].result_list)


def png_file(name="portrait.png", size=(240, 240)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def staff_user(django_user_model):
    """A staff account without any permission."""
    return django_user_model.objects.create_user("staffer", password="pw", is_staff=True)


@pytest.fixture
def own_author(staff_user):
    """The author ``staff_user`` is linked to."""
    return AuthorFactory(
        name="Own Byline",
        slug="own-byline",
        job_title="Reporter",
        bio="Old bio.",
        user=staff_user,
    )


@pytest.fixture
def other_author(django_user_model):
    colleague = django_user_model.objects.create_user("colleague", is_staff=True)
    return AuthorFactory(
        name="Other Byline",
        slug="other-byline",
        job_title="Columnist",
        bio="Someone else's bio.",
        user=colleague,
    )


@pytest.fixture
def linked_client(client, staff_user, own_author):
    client.force_login(staff_user)
    return client


def assert_unchanged(author):
    before = {field: getattr(author, field) for field in ALL_FIELDS - {"user"}}
    before["user_id"] = author.user_id
    author.refresh_from_db()
    after = {field: getattr(author, field) for field in ALL_FIELDS - {"user"}}
    after["user_id"] = author.user_id
    assert after == before


# Superuser smoke test.


@pytest.mark.django_db
def test_admin_author_changelist_answers(admin_client):
    AuthorFactory.create_batch(2)

    response = admin_client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    assert len(listed(response)) == 2


@pytest.mark.django_db
def test_admin_author_changelist_search_finds_by_name_and_job_title(admin_client):
    jane = AuthorFactory(name="Jane Doe", job_title="Reporter")
    sports = AuthorFactory(name="Ali Rezaei", job_title="Sports editor")
    other = AuthorFactory(name="Sara Karimi", job_title="Reporter")

    by_name = admin_client.get(reverse(CHANGELIST), {"q": "jane"})
    by_title = admin_client.get(reverse(CHANGELIST), {"q": "sports"})

    assert by_name.status_code == 200
    assert listed(by_name) == [jane]
    assert by_title.status_code == 200
    assert listed(by_title) == [sports]
    assert other not in listed(by_name) + listed(by_title)


@pytest.mark.django_db
def test_admin_author_add_page_answers(admin_client):
    response = admin_client.get(reverse("admin:staff_author_add"))

    assert response.status_code == 200
    assert form_fields(response) == ALL_FIELDS


@pytest.mark.django_db
def test_admin_author_change_page_answers(admin_client):
    author = AuthorFactory(name="Jane Doe")

    response = admin_client.get(change_url(author))

    assert response.status_code == 200
    assert form_fields(response) == ALL_FIELDS
    assert 'value="Jane Doe"' in response.content.decode()


@pytest.mark.django_db
def test_admin_adds_author_by_post(admin_client, django_user_model):
    reporter = django_user_model.objects.create_user("reporter", is_staff=True)

    response = admin_client.post(
        reverse("admin:staff_author_add"),
        {
            "name": "New Reporter",
            "slug": "new-reporter",
            "kind": Author.Kind.PERSON,
            "job_title": "Reporter",
            "bio": "Covers the city.",
            "user": reporter.pk,
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    assert response.url == reverse(CHANGELIST)
    author = Author.objects.get(slug="new-reporter")
    assert author.name == "New Reporter"
    assert author.user == reporter


@pytest.mark.django_db
def test_admin_author_changelist_query_count_does_not_grow_with_rows(
    admin_client, django_user_model, django_assert_num_queries
):
    """Intended to prevent an n+1 over the user column of the author changelist."""
    url = reverse(CHANGELIST)
    for number in range(3):
        AuthorFactory(user=django_user_model.objects.create_user(f"reporter{number}"))

    # session, user, filtered count, full count, authors joined with their users.
    with django_assert_num_queries(5):
        assert admin_client.get(url).status_code == 200

    for number in range(3, 12):
        AuthorFactory(user=django_user_model.objects.create_user(f"reporter{number}"))

    with django_assert_num_queries(5):
        response = admin_client.get(url)
    assert len(listed(response)) == 12


# A staff account linked to an author, without permissions: its own bio only.


@pytest.mark.django_db
def test_linked_staff_sees_authors_on_admin_index(linked_client):
    response = linked_client.get(reverse("admin:index"))

    assert response.status_code == 200
    models = [
        model["object_name"] for app in response.context["app_list"] for model in app["models"]
    ]
    # Their own byline, and their own notification choices (channels.admin).
    assert sorted(models) == ["Author", "NotificationPreference"]
    assert reverse(CHANGELIST) in response.content.decode()


@pytest.mark.django_db
def test_linked_staff_changelist_lists_only_own_author(linked_client, own_author, other_author):
    response = linked_client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    assert listed(response) == [own_author]
    html = response.content.decode()
    assert change_url(own_author) in html
    assert change_url(other_author) not in html
    assert "Other Byline" not in html


@pytest.mark.django_db
def test_linked_staff_changelist_search_cannot_find_other_authors(
    linked_client, own_author, other_author
):
    # Both names contain "Byline"; only the account's own author may come back.
    response = linked_client.get(reverse(CHANGELIST), {"q": "Byline"})

    assert response.status_code == 200
    assert listed(response) == [own_author]


@pytest.mark.django_db
def test_linked_staff_change_page_offers_only_job_title_bio_and_photo(linked_client, own_author):
    response = linked_client.get(change_url(own_author))

    assert response.status_code == 200
    assert form_fields(response) == OWN_BIO_FIELDS
    html = response.content.decode()
    assert 'name="job_title"' in html
    assert 'name="bio"' in html
    assert 'name="photo"' in html
    for locked in ("name", "slug", "kind", "user"):
        assert f'name="{locked}"' not in html
    # The name is shown, read-only.
    assert '<div class="readonly">Own Byline</div>' in html


@pytest.mark.django_db
def test_linked_staff_updates_own_bio_and_job_title(linked_client, own_author, staff_user):
    response = linked_client.post(
        change_url(own_author),
        {"job_title": "Chief correspondent", "bio": "New bio.", "_save": "Save"},
    )

    assert response.status_code == 302
    own_author.refresh_from_db()
    assert own_author.job_title == "Chief correspondent"
    assert own_author.bio == "New bio."
    assert own_author.user == staff_user


@pytest.mark.django_db
def test_linked_staff_cannot_change_own_name_slug_or_account_link(
    linked_client, own_author, staff_user, other_author
):
    response = linked_client.post(
        change_url(own_author),
        {
            "job_title": "Chief correspondent",
            "bio": "New bio.",
            "name": "Renamed",
            "slug": "renamed",
            "kind": Author.Kind.DESK,
            "user": other_author.user_id,
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    own_author.refresh_from_db()
    assert own_author.job_title == "Chief correspondent"
    assert own_author.name == "Own Byline"
    assert own_author.slug == "own-byline"
    assert own_author.kind == Author.Kind.PERSON
    assert own_author.user == staff_user


@pytest.mark.django_db
def test_linked_staff_uploads_own_photo(linked_client, own_author):
    response = linked_client.post(
        change_url(own_author),
        {
            "job_title": own_author.job_title,
            "bio": own_author.bio,
            "photo": png_file(),
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    own_author.refresh_from_db()
    assert own_author.photo.name.startswith("authors/portrait")
    stored = Path(settings.MEDIA_ROOT) / own_author.photo.name
    assert stored.is_file()
    with Image.open(stored) as image:
        assert image.format == "PNG"
        assert image.size == (240, 240)


@pytest.mark.django_db
def test_linked_staff_cannot_open_other_authors_page(linked_client, other_author):
    response = linked_client.get(change_url(other_author))

    # The author is outside the account's queryset: the admin says it does not exist.
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert messages == [
        f"author with ID “{other_author.pk}” doesn’t exist. Perhaps it was deleted?"
    ]
    assert_unchanged(other_author)


@pytest.mark.django_db
def test_linked_staff_cannot_change_other_author_by_post(linked_client, other_author):
    response = linked_client.post(
        change_url(other_author),
        {
            "name": "Hijacked",
            "slug": "hijacked",
            "job_title": "Hijacked",
            "bio": "Hijacked.",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert_unchanged(other_author)


@pytest.mark.django_db
def test_linked_staff_cannot_open_add_page(linked_client):
    response = linked_client.get(reverse("admin:staff_author_add"))

    assert response.status_code == 403


@pytest.mark.django_db
def test_linked_staff_cannot_add_author_by_post(linked_client):
    response = linked_client.post(
        reverse("admin:staff_author_add"),
        {"name": "Sock Puppet", "slug": "sock-puppet", "kind": "person", "_save": "Save"},
    )

    assert response.status_code == 403
    assert not Author.objects.filter(slug="sock-puppet").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("whose", ["own", "other"])
def test_linked_staff_cannot_delete_authors(linked_client, own_author, other_author, whose):
    author = own_author if whose == "own" else other_author

    page = linked_client.get(delete_url(author))
    post = linked_client.post(delete_url(author), {"post": "yes"})

    assert page.status_code == 403
    assert post.status_code == 403
    assert Author.objects.filter(pk=author.pk).exists()


# Other accounts.


@pytest.mark.django_db
def test_unlinked_staff_without_permissions_is_refused_author_changelist(client, staff_user):
    AuthorFactory()
    client.force_login(staff_user)

    index = client.get(reverse("admin:index"))
    changelist = client.get(reverse(CHANGELIST))

    assert index.status_code == 200
    assert reverse(CHANGELIST) not in index.content.decode()
    assert changelist.status_code == 403


@pytest.fixture
def author_editor(django_user_model):
    """A staff account that may view and change every author (but not add or delete)."""
    user = django_user_model.objects.create_user("desk-editor", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="staff", codename__in=["change_author", "view_author"]
        )
    )
    return user


@pytest.mark.django_db
def test_author_editor_sees_every_author(client, author_editor, own_author, other_author):
    client.force_login(author_editor)

    response = client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    assert set(listed(response)) == {own_author, other_author}


@pytest.mark.django_db
def test_author_editor_linked_to_a_byline_still_sees_every_author(
    client, author_editor, other_author
):
    mine = AuthorFactory(user=author_editor)
    client.force_login(author_editor)

    response = client.get(reverse(CHANGELIST))

    assert set(listed(response)) == {mine, other_author}


@pytest.mark.django_db
def test_author_editor_change_page_offers_all_fields(client, author_editor, other_author):
    client.force_login(author_editor)

    response = client.get(change_url(other_author))

    assert response.status_code == 200
    assert form_fields(response) == ALL_FIELDS


@pytest.mark.django_db
def test_author_editor_changes_name_and_slug_of_another_author(
    client, author_editor, other_author
):
    client.force_login(author_editor)

    response = client.post(
        change_url(other_author),
        {
            "name": "Renamed Byline",
            "slug": "renamed-byline",
            "kind": Author.Kind.DESK,
            "job_title": other_author.job_title,
            "bio": other_author.bio,
            "user": other_author.user_id,
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    other_author.refresh_from_db()
    assert other_author.name == "Renamed Byline"
    assert other_author.slug == "renamed-byline"
    assert other_author.kind == Author.Kind.DESK
