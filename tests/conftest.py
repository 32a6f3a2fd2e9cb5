import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.test.signals import template_rendered

from ifp.jinja2 import Template


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Test-only tweaks: a fast password hasher, uploads in a temporary folder, and static
    files found by the finders (the production manifest needs collectstatic first)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STATIC_ROOT.mkdir()
    # Views are tested as they render; tests/articles/test_page_cache.py turns the cache on.
    settings.PAGE_CACHE = False
    # The test client speaks plain HTTP; tests/test_security.py checks the redirect.
    settings.SECURE_SSL_REDIRECT = False
    # client.login() authenticates without a request, which django-axes refuses;
    # tests/test_security.py turns the lock-out on through the real login page.
    settings.AXES_ENABLED = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def corpus_dir():
    """The real-world input corpus (the folder holding ``images/`` and ``wxr/``): beside the
    project at ``../shared/corpus/``, or where ``IFP_CORPUS_DIR`` says. Its files are data
    from other projects' test suites and are not copied into this one. Tests that need it
    are skipped when it is absent, and fail instead with ``IFP_REQUIRE_CORPUS=1`` (CI)."""
    root = Path(
        os.environ.get("IFP_CORPUS_DIR") or Path(settings.BASE_DIR).parent / "shared" / "corpus"
    )
    if not root.is_dir():
        reason = f"the real-world corpus is not at {root} (set IFP_CORPUS_DIR to its folder)"
        if os.environ.get("IFP_REQUIRE_CORPUS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return root


@pytest.fixture(autouse=True, scope="session")
def _record_jinja2_renders():
    """Django's test setup makes its own engine report each render, which fills the test
    client's ``response.context``; the reader pages' Jinja2 templates report theirs too."""
    original = Template.render

    def render(self, context=None, request=None):
        template_rendered.send(sender=self, template=self, context=context)
        return original(self, context, request)

    Template.render = render
    yield
    Template.render = original


@pytest.fixture(autouse=True)
def _clear_cache():
    from articles import page_cache

    # Each test's database starts again at the same content generation: what a process
    # holds under a generation number is forgotten with the shared cache.
    cache.clear()
    page_cache.forget_held_counts()
    yield
    cache.clear()
    page_cache.forget_held_counts()


# Users in the role groups that the data migrations create (articles.workflow.sync_roles):
# a role is what its group holds, never a permission given to one user.


def role_groups():
    """The Writers and Editors groups, which a data migration makes: a transactional test
    empties every table when it ends (the permissions come back, the groups do not)."""
    from django.contrib.auth.models import Group, Permission

    from articles.workflow import ROLE_PERMISSIONS

    for name, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            [
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
                for app_label, codename in (code.split(".") for code in codes)
            ]
        )


@pytest.fixture
def newsroom_user(django_user_model):
    """Makes a staff user in a role group: ``newsroom_user(username, role="Editors")``."""
    from django.contrib.auth.models import Group

    def make(username, role="Editors"):
        user = django_user_model.objects.create_user(username, password="pw", is_staff=True)
        group = Group.objects.filter(name=role).first()
        if group is None:
            role_groups()
            group = Group.objects.get(name=role)
        user.groups.add(group)
        return user

    return make


@pytest.fixture
def writer(newsroom_user):
    return newsroom_user("writer", "Writers")


@pytest.fixture
def other_writer(newsroom_user):
    return newsroom_user("other-writer", "Writers")


@pytest.fixture
def editor(newsroom_user):
    return newsroom_user("editor", "Editors")


def client_for(user):
    """A test client logged in as ``user``."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def writer_client(writer):
    return client_for(writer)


@pytest.fixture
def editor_client(editor):
    return client_for(editor)


# Reader pages read their site-wide parts (section navigation, Recent Posts) once a content
# generation (articles/site_widgets.py). The first page of a generation runs 3 queries more than
# its own (the next scheduled time, the sections and the newest articles) and reads the
# generation from the database; later pages read it from the database only without Redis
# (REDIS_URL unset): with Redis, it is checked against the database's every few seconds
# (articles/page_cache.py), which in a test is the first page after a change.
GENERATION_QUERIES = 0 if settings.REDIS_URL else 1
# Raised from 3 + 1 by five, still once a generation and never per request: the next
# breaking-news alert's expiry (read with the next scheduled article, since no page may
# outlive it), the footer's standing pages, the live alert and the two most read lists
# (articles/site_extras.py).
SITE_WIDGETS_COLD = 3 + 5 + 1
SITE_WIDGETS_WARM = GENERATION_QUERIES


@pytest.fixture
def warm_site(client):
    """Has a reader page read the site-wide parts for the current generation, as any
    earlier request of the generation would have; query counts after it are warm ones."""

    def warm():
        assert client.get("/corrections/").status_code == 200

    return warm


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn(**env): a gunicorn of this site with the test's database and Redis, changed
    by ``env``; its address once it answers (tests/servers.py). Skipped on SQLite."""
    from tests.servers import Gunicorns

    servers = Gunicorns(tmp_path)
    yield servers.start
    servers.stop()
