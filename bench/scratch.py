"""A throwaway site for the benchmark scripts that measure in one process: a new SQLite
database and media folder in a temporary directory, migrated, no shared cache, no page
cache, static files served as they are (no collected manifest)."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def scratch_site(prefix, **environment):
    """Set Django up on a new scratch site whose directory's name starts with ``prefix``;
    ``environment`` adds settings variables. Returns the directory."""
    workdir = tempfile.mkdtemp(prefix=prefix)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="ifp.settings",
        DJANGO_SECRET_KEY="bench-only-throwaway-key-" + "0123456789abcdef" * 3,
        DATABASE_URL=f"sqlite:///{workdir}/bench.sqlite3",
        DJANGO_MEDIA_ROOT=f"{workdir}/media",
        DJANGO_STATIC_ROOT=workdir,
        PAGE_CACHE="0",
        # The test client's own origin, over plain HTTP (SITE_URL is required with DEBUG off).
        SITE_URL="http://testserver",
        DJANGO_HTTPS="0",
        **environment,
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    call_command("migrate", verbosity=0)
    return workdir
