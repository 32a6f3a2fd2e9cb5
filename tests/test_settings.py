import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
KEY = "settings-test-key-" + "0123456789abcdef" * 3


def settings_in_subprocess(env, expression):
    """Import ifp.settings with exactly ``env`` and print ``expression`` evaluated on it."""
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE"))}
    clean_env.pop("REDIS_URL", None)
    clean_env.pop("SITE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", f"import ifp.settings as s; print({expression})"],
        env={**clean_env, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = settings_in_subprocess({}, "s.DEBUG")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_debug_runs_with_a_development_key():
    result = settings_in_subprocess({"DJANGO_DEBUG": "1"}, "s.DEBUG, s.SECRET_KEY[:15]")
    assert result.stdout.strip() == "True django-insecure"


def test_a_malformed_debug_flag_is_an_error_not_a_guess():
    result = settings_in_subprocess({"DJANGO_DEBUG": "maybe", "DJANGO_SECRET_KEY": KEY}, "1")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be" in result.stderr


# What production must set besides the secret key.
PRODUCTION = {
    "DJANGO_SECRET_KEY": KEY,
    "DATABASE_URL": "postgres://newsroom@db.internal:5432/ifp",
    "SITE_URL": "https://ifpnews.com",
}


def test_environment_selects_database_cache_and_hosts():
    result = settings_in_subprocess(
        {
            **PRODUCTION,
            "REDIS_URL": "redis://cache.internal:6379/2",
            "DJANGO_ALLOWED_HOSTS": "ifpnews.com, www.ifpnews.com",
        },
        "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], "
        "s.CACHES['default']['BACKEND'], s.ALLOWED_HOSTS",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "django.db.backends.postgresql ifp ifp.cache.RedisCache ['ifpnews.com', 'www.ifpnews.com']"
    )


def test_the_cache_gives_up_on_redis_within_a_fraction_of_a_second():
    result = settings_in_subprocess(
        {**PRODUCTION, "REDIS_URL": "redis://cache.internal:6379/2"},
        "sorted(s.CACHES['default']['OPTIONS'].items())",
    )
    assert result.stdout.strip() == (
        "[('retry_on_timeout', False), ('socket_connect_timeout', 0.25), ('socket_timeout', 0.25)]"
    )


def test_production_refuses_to_start_without_a_database_url():
    """No silent SQLite file beside the code when DEBUG is off."""
    result = settings_in_subprocess({**PRODUCTION, "DATABASE_URL": ""}, "s.DATABASES")
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr


def test_production_refuses_to_start_without_its_public_origin():
    result = settings_in_subprocess({**PRODUCTION, "SITE_URL": ""}, "s.SITE_URL")
    assert result.returncode != 0
    assert "SITE_URL is not set" in result.stderr


@pytest.mark.parametrize(
    "value", ["ifpnews.com", "ftp://ifpnews.com", "https://ifpnews.com/news", "https://"]
)
def test_a_public_origin_with_a_path_or_without_a_scheme_is_refused(value):
    result = settings_in_subprocess({**PRODUCTION, "SITE_URL": value}, "s.SITE_URL")
    assert result.returncode != 0
    assert "SITE_URL must be an origin" in result.stderr


def test_the_public_origin_loses_its_trailing_slash():
    result = settings_in_subprocess(
        {**PRODUCTION, "SITE_URL": "https://ifpnews.com/"}, "s.SITE_URL"
    )
    assert result.stdout.strip() == "https://ifpnews.com"


def test_postgresql_connection_pool_is_an_option():
    result = settings_in_subprocess(
        {**PRODUCTION, "DATABASE_POOL": "8"},
        "s.DATABASES['default']['OPTIONS']['pool']['max_size'], "
        "s.DATABASES['default']['CONN_MAX_AGE']",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "8 0"


def test_development_defaults_are_sqlite_local_memory_the_local_origin_and_tehran_time():
    result = settings_in_subprocess(
        {"DJANGO_DEBUG": "1"},
        "s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], s.SITE_URL, "
        "s.TIME_ZONE, s.USE_TZ",
    )
    assert result.stdout.strip() == (
        "django.db.backends.sqlite3 django.core.cache.backends.locmem.LocMemCache "
        "http://127.0.0.1:8000 Asia/Tehran True"
    )


@pytest.mark.django_db
def test_whitenoise_serves_hashed_static_files_with_debug_off(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "collected"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client()
    html = client.get("/").content.decode()
    css_url = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', html).group(1)
    response = client.get(css_url)
    assert response.status_code == 200
    assert b"--accent" in b"".join(response.streaming_content)
    assert "immutable" in response["Cache-Control"]
    gzipped = client.get(css_url, HTTP_ACCEPT_ENCODING="gzip")
    assert gzipped["Content-Encoding"] == "gzip"


def test_media_bucket_setting_moves_uploads_to_object_storage():
    """With MEDIA_S3_BUCKET, every upload and rendition goes to the bucket (through the
    storage API that the image code uses), at stable public addresses, never overwriting."""
    env = {
        "DJANGO_SECRET_KEY": KEY,
        "DJANGO_SETTINGS_MODULE": "ifp.settings",
        "MEDIA_S3_BUCKET": "ifp-media",
        "MEDIA_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "MEDIA_S3_CUSTOM_DOMAIN": "media.example.org",
    }
    code = (
        "import django; django.setup(); "
        "from django.core.files.storage import storages; d = storages['default']; "
        "print(type(d).__name__, d.bucket_name, d.file_overwrite, d.url('images/a b.jpg'))"
    )
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MEDIA_"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean_env, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "S3Storage",
        "ifp-media",
        "False",
        "https://media.example.org/images/a%20b.jpg",
    ]


def test_media_stays_on_local_disk_without_a_bucket():
    result = settings_in_subprocess(
        PRODUCTION, "s.STORAGES['default']['BACKEND'], s.IMAGE_MAX_UPLOAD_MB"
    )
    assert result.stdout.strip() == "django.core.files.storage.FileSystemStorage 25"


@pytest.mark.parametrize(
    "url, expected",
    [
        (
            "smtp://news%40ifp.example:p%40ss@mail.example.org:2525",
            "mail.example.org 2525 news@ifp.example p@ss True False True",
        ),
        ("smtps://mail.example.org", "mail.example.org 465   False True True"),
        ("smtp+insecure://127.0.0.1:25", "127.0.0.1 25   False False True"),
    ],
)
def test_email_url_sets_the_smtp_server(url, expected):
    result = settings_in_subprocess(
        {"DJANGO_DEBUG": "1", "EMAIL_URL": url},
        "s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, "
        "s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.NOTIFY_BY_EMAIL",
    )
    assert result.returncode == 0, result.stderr
    assert " ".join(result.stdout.strip().split(" ")) == expected


def test_a_mistyped_email_url_is_an_error_that_says_what_is_expected():
    result = settings_in_subprocess({"DJANGO_DEBUG": "1", "EMAIL_URL": "smtq://mail"}, "1")
    assert result.returncode != 0
    assert "EMAIL_URL must look like smtp://" in result.stderr


def test_without_email_settings_no_email_is_sent():
    result = settings_in_subprocess({"DJANGO_DEBUG": "1"}, "s.NOTIFY_BY_EMAIL")
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    "environ, renderers",
    [
        ({"WEB_CONCURRENCY": "2"}, 1),
        ({"WEB_CONCURRENCY": "9"}, 4),
        ({"WEB_CONCURRENCY": "1"}, 1),
        ({"WEB_CONCURRENCY": "9", "PAGE_RENDERERS": "6"}, 6),
        ({"PAGE_RENDERERS": "0"}, 1),
    ],
)
def test_the_page_renderers_are_half_of_the_hosts_workers(environ, renderers):
    """How many workers of a host render stale pages again at once (the page cache's
    render slots): half of gunicorn's workers, at least one, unless PAGE_RENDERERS says."""
    environ = {**PRODUCTION, **environ}
    for name in ("WEB_CONCURRENCY", "PAGE_RENDERERS"):
        environ.setdefault(name, "")
    result = settings_in_subprocess(environ, "s.PAGE_RENDERERS")
    assert result.stdout.strip() == str(renderers), result.stderr
