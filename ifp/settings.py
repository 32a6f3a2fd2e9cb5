"""The one settings module. Production differs from development in environment values only.

Every variable read here is documented in the README ("Configuration").
"""

import os
import zoneinfo
from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0, true/false, yes/no or on/off, not {value!r}")


def env_list(name, default):
    value = os.environ.get(name, default)
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random value, "
            "or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only"
elif not DEBUG and (
    len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
    or SECRET_KEY.startswith("django-insecure")
    or SECRET_KEY.lower() in {"changeme", "secret", "your-secret-key"}
):
    # Signed preview links, sessions and password resets are only as strong as this key.
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is too weak or a known default: use at least 50 random "
        "characters, e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    # The search column (SearchVectorField); Django 6 checks that this app is installed.
    "django.contrib.postgres",
    # Third party, the ones with admin pages under readable names (core/app_labels.py)
    "core.app_labels.LockoutsConfig",
    "django_otp",
    "core.app_labels.TwoFactorConfig",
    "core.app_labels.TagsConfig",
    "django_prose_editor",
    "core.app_labels.HistoryConfig",
    # Background tasks (core/tasks.py): the backport on Django 5.2, and the database backend
    # with its table and worker (manage.py db_worker) on either.
    *([] if find_spec("django.tasks") else ["django_tasks"]),
    "core.app_labels.TaskQueueConfig",
    # Local
    "images",
    "staff",
    "articles",
    "channels",
    "live",
]

MIDDLEWARE = [
    # First: every response, cached or not, carries the request id (and is logged with it).
    "ifp.middleware.RequestIdMiddleware",
    # Then the page cache answers a hit, before anything else runs: the page's entry holds
    # every header the middleware below gave it (security headers, CSP, X-Frame-Options,
    # ETag…), so a hit sends what the miss sent; it answers conditional GETs as
    # ConditionalGetMiddleware would, and leaves alone what SecurityMiddleware redirects
    # and RejectNulMiddleware refuses (articles/page_cache.py, PageCacheMiddleware).
    "articles.page_cache.PageCacheMiddleware",
    # Every response the cache does not answer gets the security headers here.
    "django.middleware.security.SecurityMiddleware",
    "ifp.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ifp.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETag and 304 answers for the pages the cache does not keep (a cached page's ETag is
    # set here when it is rendered, and kept in its entry).
    "django.middleware.http.ConditionalGetMiddleware",
    # After the cache: a cached page costs no session or user lookup.
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The page's edition (English, Persian): its language for the interface's words, dates
    # and ages. Before the redirects, so that their 410 page speaks the edition's language.
    "articles.editions.EditionMiddleware",
    "articles.middleware.RedirectFallbackMiddleware",
    # Last: counts failed logins and answers a locked-out login with the lock-out page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out account is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "ifp.urls"
WSGI_APPLICATION = "ifp.wsgi.application"

# Readers' pages and the XML sitemaps render with Jinja2 (templates/jinja2/, ifp/jinja2.py):
# it renders the article page in about half the time of Django's engine, and the sitemap
# index of a million articles in a few milliseconds against 56. The admin and the error
# pages keep Django's templates.
TEMPLATES = [
    {
        "BACKEND": "ifp.jinja2.Jinja2Backend",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "ifp.jinja2.environment",
            "context_processors": ["articles.context_processors.site"],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
            ],
        },
    },
]

# DATABASE_URL: sqlite:///path, postgres://user@host:port/name, ... (dj-database-url syntax).
# With DEBUG off it must be set: a production site never falls back to a SQLite file silently.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DATABASE_URL is not set. Set it to the site's database, e.g. "
            "postgres://user:password@host:5432/ifp (or sqlite:///path/db.sqlite3 explicitly), "
            "or set DJANGO_DEBUG=1 for local development."
        )
    DATABASE_URL = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
# DATABASE_POOL: psycopg 3's connection pool (PostgreSQL only), the largest number of
# connections each process keeps; 0 (the default) keeps one persistent connection instead.
DATABASE_POOL = int(os.environ.get("DATABASE_POOL", "0"))
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        # A pool replaces persistent connections: Django refuses both at once.
        conn_max_age=0 if DATABASE_POOL else int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=not DATABASE_POOL,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})
    # A database that does not answer is a 503 within seconds, not a hung worker.
    DATABASES["default"]["OPTIONS"]["connect_timeout"] = int(
        os.environ.get("DATABASE_CONNECT_TIMEOUT", "3")
    )
    # DATABASE_PREPARE_THRESHOLD: a fixed statement of the reader pages' hottest reads
    # (``core.db.prepared_cursor``) that a connection runs this many times is prepared on
    # the server (psycopg's prepare_threshold): PostgreSQL then plans it once, not on
    # every run; planning was half of PostgreSQL's time on the article page. 0 turns it
    # off, for a pooler that hands a connection to another client between transactions
    # (PgBouncer in transaction mode), where a prepared statement would not be there.
    DATABASE_PREPARE_THRESHOLD = int(os.environ.get("DATABASE_PREPARE_THRESHOLD", "5"))
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = DATABASE_PREPARE_THRESHOLD or None
    if DATABASE_POOL:
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": 1,
            "max_size": DATABASE_POOL,
            "timeout": 5,
        }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The task worker and the server share one file (make run): a write-ahead log lets
    # readers go on while one writes, IMMEDIATE transactions take the write lock when they
    # begin (a transaction that read first and then wants to write cannot be refused with
    # "database is locked" halfway), and the busy timeout lets each wait its turn instead.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": int(os.environ.get("SQLITE_BUSY_TIMEOUT", "20")),
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Telegram channel publishing (channels/): each published article is posted once to
# TELEGRAM_CHANNEL_ID (@name or -100… id) by the bot whose token this is; without a token
# nothing is queued or sent. TELEGRAM_API_BASE_URL: Telegram's Bot API or a local one;
# TELEGRAM_PROXY_URL: http://, https:// or socks5:// proxy to reach it through.
TELEGRAM_BOT_TOKEN = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
TELEGRAM_CHANNEL_ID = os.environ.get("TELEGRAM_CHANNEL_ID", "").strip()
TELEGRAM_API_BASE_URL = os.environ.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org").rstrip(
    "/"
)
TELEGRAM_PROXY_URL = os.environ.get("TELEGRAM_PROXY_URL", "").strip()
if TELEGRAM_BOT_TOKEN and not TELEGRAM_CHANNEL_ID:
    raise ImproperlyConfigured(
        "TELEGRAM_BOT_TOKEN is set but TELEGRAM_CHANNEL_ID is not: set the channel to post to "
        "(@channelname or its numeric id), or unset the token."
    )
if TELEGRAM_PROXY_URL and urlsplit(TELEGRAM_PROXY_URL).scheme not in {
    "http",
    "https",
    "socks5",
    "socks5h",
}:
    raise ImproperlyConfigured(
        "TELEGRAM_PROXY_URL must start with http://, https://, socks5:// or socks5h://, "
        f"not {TELEGRAM_PROXY_URL!r}"
    )
# Failures other than Telegram's "too many requests" are retried this many times in all,
# waiting TELEGRAM_RETRY_SECONDS, then twice that, and so on (at most an hour).
TELEGRAM_MAX_ATTEMPTS = int(os.environ.get("TELEGRAM_MAX_ATTEMPTS", "6"))
TELEGRAM_RETRY_SECONDS = int(os.environ.get("TELEGRAM_RETRY_SECONDS", "30"))

# E-mail for editors' notifications (channels/notify.py), through any SMTP server: either
# EMAIL_URL (smtp://user:password@host:587 with STARTTLS, smtps://… for TLS from the start,
# smtp+insecure://… for neither, console:// to print them) or Django's own EMAIL_HOST,
# EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS and EMAIL_USE_SSL. With
# neither, no e-mail is queued or sent. DEFAULT_FROM_EMAIL: the sender.
EMAIL_URL = os.environ.get("EMAIL_URL", "").strip()
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=not env_bool("EMAIL_USE_SSL"))
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
if EMAIL_URL:
    _email = urlsplit(EMAIL_URL)
    if _email.scheme == "console":
        EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    elif _email.scheme in {"smtp", "smtps", "smtp+insecure"} and _email.hostname:
        EMAIL_HOST = _email.hostname
        EMAIL_USE_SSL = _email.scheme == "smtps"
        EMAIL_USE_TLS = _email.scheme == "smtp"
        EMAIL_PORT = _email.port or {"smtps": 465, "smtp": 587}.get(_email.scheme, 25)
        EMAIL_HOST_USER = unquote(_email.username or "")
        EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    else:
        raise ImproperlyConfigured(
            "EMAIL_URL must look like smtp://user:password@host:587, smtps://…, "
            f"smtp+insecure://… or console://, not {_email.scheme}://…"
        )
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")
NOTIFY_BY_EMAIL = bool(EMAIL_URL or EMAIL_HOST)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "IFP newsroom <newsroom@localhost>")
# NOTIFY_TELEGRAM_CHAT_ID: the desk's Telegram chat (a group the bot is in), which gets every
# notification as well; sent by TELEGRAM_BOT_TOKEN's bot.
NOTIFY_TELEGRAM_CHAT_ID = os.environ.get("NOTIFY_TELEGRAM_CHAT_ID", "").strip()
# A notification that could not be sent is tried this many times in all, waiting
# NOTIFY_RETRY_SECONDS, then twice that, and so on (at most an hour).
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "5"))
NOTIFY_RETRY_SECONDS = int(os.environ.get("NOTIFY_RETRY_SECONDS", "60"))

# REDIS_URL: the cache every process shares, through Django's own Redis backend (redis-py)
# with one client a connection pool (ifp/cache.py); without it each process keeps its own.
# Short timeouts: a Redis that is down or hung costs a reader a fraction of a second, after
# which the page is rendered from the database (articles.page_cache, "fail open").
REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "0.25"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "ifp.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "ifp"),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT,
                "socket_timeout": REDIS_TIMEOUT,
                "retry_on_timeout": False,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background tasks (core/tasks.py; README, "Background tasks"). TASKS_BACKEND=database (the
# default): kept in the site's database and run by `manage.py db_worker`, a process beside
# the web server. TASKS_BACKEND=redis: in Redis (REDIS_URL) through RQ, run by
# `manage.py rqworker --with-scheduler` (the optional `redis-tasks` dependencies;
# docs/decisions/task-backends.md). TASKS_STUCK_SECONDS: a task due longer than this,
# unstarted, makes /healthz report the database queue as stuck.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database").strip().lower()
if TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
elif TASKS_BACKEND == "redis":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=redis needs REDIS_URL: the Redis to queue in.")
    if not find_spec("django_tasks_rq"):
        raise ImproperlyConfigured(
            "TASKS_BACKEND=redis needs the RQ backend: pip install -c constraints.txt "
            "-e '.[redis-tasks]'"
        )
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
else:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be database or redis, not {TASKS_BACKEND!r}")
TASKS_STUCK_SECONDS = int(os.environ.get("TASKS_STUCK_SECONDS", "300"))

# Live coverage (live/): readers' pages ask for new entries every LIVE_POLL_SECONDS while
# the coverage is open; the answer may be kept LIVE_CACHE_SECONDS by nginx, a CDN and the
# browser, so a new entry reaches readers within the sum of the two.
LIVE_POLL_SECONDS = int(os.environ.get("LIVE_POLL_SECONDS", "15"))
LIVE_CACHE_SECONDS = int(os.environ.get("LIVE_CACHE_SECONDS", "5"))

# The whole-page cache for anonymous readers (articles/page_cache.py); PAGE_CACHE=0 turns
# it off (the benchmark's uncached runs). PAGE_CACHE_SECONDS: how long a page is kept.
PAGE_CACHE = env_bool("PAGE_CACHE", True)
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))
# PAGE_RENDERERS: how many of a host's workers render pages again at once while the pages'
# previous copies can be sent; the others answer from the cache meanwhile. Half of the
# host's gunicorn workers (WEB_CONCURRENCY, gunicorn.conf.py's default otherwise).
PAGE_RENDERERS = max(
    1,
    int(
        os.environ.get("PAGE_RENDERERS")
        or int(os.environ.get("WEB_CONCURRENCY") or (os.cpu_count() or 1) * 2 + 1) // 2
    ),
)

# Related stories under an article: a story published within this many days counts as
# recent; older ones are offered only when too few recent ones fit (articles/related.py).
RELATED_RECENT_DAYS = int(os.environ.get("RELATED_RECENT_DAYS", "30"))

# SITE_URL: the site's one public origin (https://ifpnews.com). Every absolute address the
# site writes (canonical links, og:url, feeds, sitemaps, JSON-LD, robots.txt, anything made
# outside a request) is built from it (articles.origin), never from the request's Host,
# X-Forwarded-Proto or SCRIPT_NAME headers, so that no header can change a cached page.
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/")
if not SITE_URL:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SITE_URL is not set. Set it to the site's public origin, e.g. https://ifpnews.com, "
            "or set DJANGO_DEBUG=1 for local development."
        )
    SITE_URL = "http://127.0.0.1:8000"
_site = urlsplit(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.netloc or _site.path or _site.query:
    raise ImproperlyConfigured(
        f"SITE_URL must be an origin such as https://ifpnews.com (no path), not {SITE_URL!r}"
    )
# The site lives at the root of its origin: a SCRIPT_NAME header is never trusted.
FORCE_SCRIPT_NAME = ""

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The reader pages' interface is translated (locale/fa/LC_MESSAGES/django.po): each page's
# edition activates its language (articles.editions.EditionMiddleware); the admin stays in
# English, LANGUAGE_CODE.
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "locale"]
# The site's editions, one per language of its content (articles/editions.py knows each
# language's direction, address prefix and search configuration): English first and at /,
# then Persian at /fa/. A language the code does not know stops the start.
SITE_LANGUAGES = env_list("SITE_LANGUAGES", "en,fa")
if not SITE_LANGUAGES or SITE_LANGUAGES[0] != "en" or not set(SITE_LANGUAGES) <= {"en", "fa"}:
    raise ImproperlyConfigured(
        f"SITE_LANGUAGES must be en, optionally followed by fa, not {SITE_LANGUAGES!r}"
    )
LANGUAGES = [(code, {"en": "English", "fa": "Persian"}[code]) for code in SITE_LANGUAGES]
USE_TZ = True
# Times are stored in UTC and shown to readers and editors in the newsroom's zone.
NEWSROOM_TIME_ZONE = os.environ.get("NEWSROOM_TIME_ZONE", "Asia/Tehran")
# The admin's dates in one format, newsroom time with the zone named (ifp/formats/en/).
FORMAT_MODULE_PATH = ["ifp.formats"]
TIME_ZONE = NEWSROOM_TIME_ZONE
# The zone rules ship with the site (the tzdata package, a dependency) and are the only ones
# read: a slim container has none, and a host with old rules would put Tehran an hour off
# (Iran dropped daylight saving in 2022). Upgrading tzdata updates every host alike.
zoneinfo.reset_tzpath(to=())
try:
    zoneinfo.ZoneInfo(NEWSROOM_TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
    raise ImproperlyConfigured(
        f"NEWSROOM_TIME_ZONE {NEWSROOM_TIME_ZONE!r} is not a zone of the time-zone database "
        "the site ships with (the tzdata package): install the project's dependencies, or set "
        "an IANA name such as Asia/Tehran."
    ) from error

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# MEDIA_S3_BUCKET: keep uploads and renditions in S3-compatible object storage (through
# django-storages) instead of MEDIA_ROOT, so that app hosts share no disk. Credentials
# come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the host's role), as boto3 reads them.
MEDIA_S3_BUCKET = os.environ.get("MEDIA_S3_BUCKET", "")
if MEDIA_S3_BUCKET:
    MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": os.environ.get("MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("MEDIA_S3_REGION") or None,
            "custom_domain": os.environ.get("MEDIA_S3_CUSTOM_DOMAIN") or None,
            "location": os.environ.get("MEDIA_S3_PREFIX", ""),
            # Public pictures at stable addresses: no signed, expiring query strings.
            "querystring_auth": False,
            "default_acl": None,
            # Never replace another picture's file that happens to have the same name.
            "file_overwrite": False,
            # Every stored name is content-addressed (images/uploads.py, renditions.py).
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
else:
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": MEDIA_STORAGE,
    # With DEBUG off, WhiteNoise serves hashed, compressed files (run collectstatic first).
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Upload limits for pictures (images/uploads.py): file size, longest side, total pixels.
IMAGE_MAX_UPLOAD_MB = int(os.environ.get("IMAGE_MAX_UPLOAD_MB", "25"))
IMAGE_MAX_SIDE = int(os.environ.get("IMAGE_MAX_SIDE", "12000"))
IMAGE_MAX_MEGAPIXELS = int(os.environ.get("IMAGE_MAX_MEGAPIXELS", "60"))

SITE_NAME = os.environ.get("SITE_NAME", "Iran Front Page")
# The picture of share cards and search results for pages without one of their own (every
# list, and an article without a featured picture): a path under static/ or an absolute
# URL, and its size in pixels (1200 wide or more, as Facebook and Google ask).
SHARE_IMAGE = os.environ.get("SHARE_IMAGE", "img/share.png")
try:
    SHARE_IMAGE_WIDTH, SHARE_IMAGE_HEIGHT = (
        int(side) for side in os.environ.get("SHARE_IMAGE_SIZE", "1200x630").split("x")
    )
except ValueError as error:
    raise ImproperlyConfigured("SHARE_IMAGE_SIZE must be WIDTHxHEIGHT, e.g. 1200x630.") from error
SITE_SHORT_NAME = os.environ.get("SITE_SHORT_NAME", "IFP")

# Logs go to standard output, one JSON object a line with the request's id
# (DJANGO_LOG_FORMAT=json, the default with DEBUG off) or as plain text.
# DJANGO_ACCESS_LOG=1 adds a line per request (method, path, status, time).
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"DJANGO_LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
ACCESS_LOG = env_bool("DJANGO_ACCESS_LOG", False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "ifp.logs.RequestIdFilter"},
        "no_traceback": {"()": "ifp.logs.NoTraceback"},
    },
    "formatters": {
        "json": {"()": "ifp.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        },
        "console_brief": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id", "no_traceback"],
            "formatter": LOG_FORMAT,
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # Bots send foreign Host headers all day: a warning line each, no traceback.
    "loggers": {
        "django.security.DisallowedHost": {
            "handlers": ["console_brief"],
            "level": "WARNING",
            "propagate": False,
        }
    },
}

# Security. With DEBUG off these defaults pass `manage.py check --deploy` with no
# warning; the README's "Deploying" section lists them.
# DJANGO_HTTPS: readers reach the site over HTTPS (on unless DEBUG): plain HTTP is
# redirected, cookies are secure-only and HSTS is sent. Behind a proxy that ends TLS
# (deploy/nginx.conf), DJANGO_PROXY_SSL_HEADER names the header that says the original
# scheme; set it empty when gunicorn faces the Internet itself.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    if proxy_header := os.environ.get("DJANGO_PROXY_SSL_HEADER", "X-Forwarded-Proto"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_" + proxy_header.upper().replace("-", "_"), "https")
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
CSRF_FAILURE_VIEW = "ifp.views.csrf_failure"
# Only staff have sessions: they end when the browser closes, and after this many hours.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_HOURS", "10")) * 3600

# Content-Security-Policy (django-csp, through ifp.middleware): scripts only from this
# site (the admin's one inline import map carries a per-request nonce), nothing framed.
if MEDIA_S3_BUCKET:
    _media_origin = (
        f"https://{os.environ['MEDIA_S3_CUSTOM_DOMAIN']}"
        if os.environ.get("MEDIA_S3_CUSTOM_DOMAIN")
        else (os.environ.get("MEDIA_S3_ENDPOINT_URL") or "https://*.amazonaws.com")
    )
    MEDIA_ORIGINS = [_media_origin.rstrip("/")]
else:
    MEDIA_ORIGINS = []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *MEDIA_ORIGINS],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        **({"upgrade-insecure-requests": True} if HTTPS else {}),
    }
}

# Brute-force protection of the admin login (django-axes): after AXES_FAILURE_LIMIT wrong
# passwords for one account from one address, that pair is locked out for
# AXES_COOLOFF_MINUTES; after AXES_ADDRESS_FAILURE_LIMIT wrong passwords from one address
# over any accounts (a password spray), the address is (ifp.logins); a correct password
# resets the count.
AXES_ACCOUNT_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_ADDRESS_FAILURE_LIMIT = int(os.environ.get("AXES_ADDRESS_FAILURE_LIMIT", "20"))
AXES_FAILURE_LIMIT = "ifp.logins.failure_limit"
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ifp.views.locked_out"
AXES_VERBOSE = False
# The client's address, read by django-ipware as django-axes documents. Each of the
# DJANGO_PROXY_COUNT proxies in front appends the address it was reached from to
# X-Forwarded-For (deploy/nginx.conf does), so the client is the one that many entries from
# the end; whatever the client wrote into the header itself comes before and is ignored.
# django-ipware counts only the proxies listed in the header (not the last one, which is
# REMOTE_ADDR), and with IPWARE_STRICT off it takes that entry however many came before.
PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "1" if HTTPS else "0"))
AXES_IPWARE_PROXY_COUNT = max(0, PROXY_COUNT - 1)
AXES_IPWARE_PROXY_ORDER = "left-most"
IPWARE_STRICT = False
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if PROXY_COUNT else ["REMOTE_ADDR"]
)

# Two-factor login for staff (django-otp): optional per account; a staff member with a
# confirmed authenticator app must give its code at the admin login.
OTP_TOTP_ISSUER = os.environ.get("SITE_SHORT_NAME", "IFP") + " newsroom"
