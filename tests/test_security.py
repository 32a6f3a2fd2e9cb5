"""Hardening: production settings, headers, login protection, error pages,
request ids and structured logs."""

import json
import logging
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.utils import timezone

from ifp import logs
from tests.factories import PublishedArticleFactory

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "deploy-check-key-" + "0123456789abcdefghijklmnop" * 2
LOGIN = "/admin/login/?next=/admin/"


def manage(env, *args):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE"))}
    clean.pop("REDIS_URL", None)
    # What production must set besides the secret key (ifp.settings refuses to start without).
    required = {"DATABASE_URL": "sqlite:///:memory:", "SITE_URL": "https://news.example.org"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env={**clean, **required, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


# Production settings


def test_production_settings_pass_the_deployment_check_with_no_warning():
    result = manage(
        {"DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_ALLOWED_HOSTS": "news.example.org"},
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    "key",
    [
        "django-insecure-" + "x1y2z3" * 10,  # what startproject writes
        "short-key",
        "a" * 60,  # long but no variety
        "changeme",
    ],
)
def test_production_refuses_to_start_with_a_weak_or_default_secret_key(key):
    result = manage({"DJANGO_SECRET_KEY": key}, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is too weak or a known default" in result.stderr


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/corrections/", HTTP_HOST="localhost")
    assert response.status_code == 301
    assert response["Location"] == "https://localhost/corrections/"


@pytest.mark.django_db
def test_https_through_the_proxy_gets_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/corrections/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.django_db
def test_health_check_answers_over_plain_http_for_load_balancers(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200


def csp(response):
    return dict(
        (part.split(" ", 1) + [""])[:2]
        for part in (p.strip() for p in response["Content-Security-Policy"].split(";"))
        if part
    )


@pytest.mark.django_db
@pytest.mark.parametrize("cached", [False, True])
def test_reader_pages_carry_the_security_headers(client, settings, cached):
    settings.PAGE_CACHE = cached
    article = PublishedArticleFactory()
    for _ in range(2):  # the second answer comes from the page cache when it is on
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200
        policy = csp(response)
        assert policy["script-src"] == "'self'"  # no inline script can run
        assert policy["style-src"] == "'self'"
        assert policy["object-src"] == "'none'"
        assert policy["frame-ancestors"] == "'none'"
        assert policy["base-uri"] == "'self'"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_reader_pages_have_no_inline_script_that_the_policy_would_block(client):
    html = client.get(PublishedArticleFactory().get_absolute_url()).content.decode()
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        # Only data blocks (JSON-LD), which browsers never run, or external files.
        assert 'type="application/ld+json"' in attributes or (
            not body.strip() and "src=" in attributes
        )
    assert not re.search(r"\son[a-z]+=", html)  # no event-handler attributes


@pytest.mark.django_db
def test_the_body_editor_import_map_carries_the_policy_nonce(admin_client):
    response = admin_client.get("/admin/articles/article/add/")
    assert response.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", csp(response)["script-src"]).group(1)
    assert f'<script type="importmap" nonce="{nonce}">' in response.content.decode()
    # A new nonce every time.
    again = admin_client.get("/admin/articles/article/add/")
    assert nonce not in again["Content-Security-Policy"]


# Logins


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.AXES_ACCOUNT_FAILURE_LIMIT = 3


def attempt(password, username="editor", address="203.0.113.7"):
    client = Client(REMOTE_ADDR=address)
    return client.post(LOGIN, {"username": username, "password": password})


@pytest.mark.django_db
def test_admin_login_locks_an_account_out_after_repeated_failures(lockout, editor):
    for _ in range(2):
        response = attempt("wrong")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()
    response = attempt("wrong")
    assert response.status_code == 429
    # Locked: even the right password is refused, with a page that says why and for how long.
    response = attempt("pw")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert "locked for 15 minutes" in page


@pytest.mark.django_db
def test_lockout_is_per_account_and_address_and_ends_after_the_cool_off(
    lockout, editor, admin_user
):
    for _ in range(3):
        attempt("wrong")
    assert attempt("pw", address="198.51.100.9").status_code == 302  # another address
    assert attempt("password", username="admin").status_code == 302  # another account
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert attempt("pw").status_code == 302


def attempt_through_proxy(password, forwarded_for, username="editor"):
    """A login through nginx (deploy/nginx.conf): gunicorn sees nginx's address, and nginx
    appends the client's to X-Forwarded-For, after whatever the client wrote there."""
    client = Client(REMOTE_ADDR="127.0.0.1", headers={"x-forwarded-for": forwarded_for})
    return client.post(LOGIN, {"username": username, "password": password})


@pytest.mark.django_db
def test_behind_the_proxy_one_clients_failures_never_lock_out_another(lockout, editor):
    for _ in range(3):
        attempt_through_proxy("wrong", "203.0.113.7")
    assert attempt_through_proxy("pw", "203.0.113.7").status_code == 429
    assert attempt_through_proxy("pw", "198.51.100.9").status_code == 302
    # What the client writes into the header itself changes nothing.
    assert attempt_through_proxy("pw", "198.51.100.9, 203.0.113.7").status_code == 429
    assert attempt_through_proxy("pw", "203.0.113.7, 198.51.100.9").status_code == 302


@pytest.mark.django_db
def test_a_password_spray_over_many_accounts_from_one_address_is_stopped(
    lockout, editor, settings
):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 10
    for number in range(5):  # two guesses each: under the limit of every account
        for _ in range(2):
            attempt("wrong", username=f"desk{number}")
    assert attempt("pw").status_code == 429  # the address is stopped, whatever the account
    assert "Too many failed logins" in attempt("pw").content.decode()
    assert attempt("pw", address="198.51.100.9").status_code == 302


@pytest.mark.django_db
def test_a_successful_login_resets_the_failure_count(lockout, editor):
    attempt("wrong")
    attempt("wrong")
    assert attempt("pw").status_code == 302
    attempt("wrong")
    attempt("wrong")
    assert attempt("pw").status_code == 302


@pytest.mark.django_db
def test_staff_session_cookie_is_secure_http_only_and_ends_with_the_browser(client, editor):
    response = client.post(LOGIN, {"username": "editor", "password": "pw"})
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["secure"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["expires"] and not cookie["max-age"]  # a browser-session cookie


@pytest.mark.django_db
def test_a_staff_session_expires_on_the_server_after_its_hours(client, editor, settings):
    client.post(LOGIN, {"username": "editor", "password": "pw"})
    assert client.get("/admin/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert settings.SESSION_COOKIE_AGE == 10 * 3600


# Error pages


@pytest.mark.django_db
def test_not_found_page_looks_like_the_site_and_offers_search(client):
    response = client.get("/no-such-story-here/")
    assert response.status_code == 404
    page = response.content.decode()
    assert '<link rel="stylesheet" href="/static/css/site.css">' in page
    assert "Page not found" in page and 'action="/search/"' in page
    assert response["X-Request-ID"] in page


@pytest.mark.django_db
def test_server_error_page_looks_like_the_site_and_leaks_nothing(client, monkeypatch):
    from articles import views

    def broken(*args, **kwargs):
        raise RuntimeError("secret-database-password in the message")

    monkeypatch.setattr(views.ArticleDetailView, "get_object", broken)
    client.raise_request_exception = False
    response = client.get(PublishedArticleFactory().get_absolute_url())
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "site.css" in page
    for leak in ("secret-database-password", "Traceback", "RuntimeError", "ifp/settings"):
        assert leak not in page
    assert response["X-Request-ID"] in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error",
    [
        OperationalError("connection to server at 127.0.0.1 port 5432 failed"),
        InterfaceError("connection already closed"),
    ],
    ids=["database-down", "connection-lost"],
)
@pytest.mark.parametrize("where", ["view", "middleware"])
def test_a_database_outage_is_a_503_page_never_a_500(client, monkeypatch, error, where):
    """Wherever the database fails (a view, or a middleware such as the redirects' on a
    404), readers get a page that says to come back; tests/test_faults.py does it for real."""
    from articles import middleware, views

    def down(*args, **kwargs):
        raise error

    if where == "view":
        monkeypatch.setattr(views.ArticleDetailView, "get_object", down)
        path = PublishedArticleFactory().get_absolute_url()
    else:
        monkeypatch.setattr(middleware.RedirectFallbackMiddleware, "__call__", down)
        path = "/no-such-story/"
    client.raise_request_exception = False
    response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    page = response.content.decode()
    assert "This page is not available just now" in page
    assert "5432" not in page and "Traceback" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["evil.example.com", "localhost:abc", "bad host", "a..b"])
def test_malformed_or_foreign_host_header_gets_a_400_page(client, host):
    response = client.get("/", HTTP_HOST=host)
    assert response.status_code == 400
    page = response.content.decode()
    assert "This request could not be understood" in page
    assert host not in page


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_gets_a_403_page_that_explains(editor):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "editor", "password": "pw"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "This form could not be sent" in page
    assert "CSRF" not in page  # no jargon, no reason leaked


@pytest.mark.django_db
def test_permission_denied_gets_the_403_page(client, django_user_model):
    user = django_user_model.objects.create_user("reader", password="pw", is_staff=True)
    client.force_login(user)
    response = client.get("/admin/articles/article/1/history/versions/")
    assert response.status_code in (403, 404)
    if response.status_code == 403:
        assert "You may not see this page" in response.content.decode()


# Request ids and structured logs


@pytest.mark.django_db
def test_each_response_has_a_request_id_and_a_proxy_id_is_kept(client):
    first, second = client.get("/corrections/"), client.get("/corrections/")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]
    given = client.get("/corrections/", HTTP_X_REQUEST_ID="nginx-0123456789abcdef")
    assert given["X-Request-ID"] == "nginx-0123456789abcdef"
    forged = client.get("/corrections/", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert re.fullmatch(r"[0-9a-f]{32}", forged["X-Request-ID"])


@pytest.fixture
def json_log_lines(settings):
    """What the configured stdout handler writes, captured: JSON lines with request ids."""
    import io

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestIdFilter())
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


@pytest.mark.django_db
def test_logs_are_json_lines_carrying_the_request_id(client, settings, json_log_lines):
    settings.ACCESS_LOG = True
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-abcdef123456")
    assert response.status_code == 404
    lines = [line for line in json_log_lines() if line["request_id"] == "req-abcdef123456"]
    access = next(line for line in lines if line["logger"] == "ifp.access")
    assert access["status"] == 404 and access["path"] == "/no-such-page/"
    assert access["method"] == "GET" and access["ms"] >= 0
    warning = next(line for line in lines if line["logger"] == "django.request")
    assert warning["level"] == "WARNING" and "Not Found" in warning["message"]


def test_log_format_is_checked_at_start():
    result = manage({"DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_LOG_FORMAT": "xml"}, "check")
    assert result.returncode != 0
    assert "DJANGO_LOG_FORMAT must be json or text" in result.stderr
