import os

import pytest


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """pytest-django's live server, started with the settings its middleware reads once, when
    its thread starts (before tests/conftest.py sets its own): a STATIC_ROOT that exists and
    no redirect to HTTPS, which this plain-HTTP server does not speak (as tests/browser/)."""
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    static_root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=static_root, SECURE_SSL_REDIRECT=False):
        server = LiveServer(os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"))
    yield server
    server.stop()


@pytest.fixture
def live(live_server, settings):
    """The live server's address, with what DJANGO_HTTPS=0 sets for plain HTTP: cookies
    that a urllib session sends back over it."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.SITE_URL = live_server.url
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    return live_server.url
