"""Settings for the workbench, read from the environment.

Defaults are for a developer machine: SQLite inside the project and Celery
tasks run in-process. Production uses ``workbench.settings_production``,
which refuses to start without a real secret and turns on the HTTPS settings.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from workbench.broker import transport_options as broker_transport_options

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("WORKBENCH_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

_DEV_SECRET_KEY = "dev-only-not-secret-workbench-key-never-use-in-production-0123456789"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set (50+ random chars) when DEBUG is off")
    SECRET_KEY = _DEV_SECRET_KEY
if not DEBUG and (
    SECRET_KEY == _DEV_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured("SECRET_KEY must be set (50+ random chars) when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
if any(origin.split("://", 1)[-1] == "*" for origin in CSRF_TRUSTED_ORIGINS):
    raise ImproperlyConfigured("CSRF_TRUSTED_ORIGINS must list real origins, never '*'")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "annotations.apps.AnnotationsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "annotations.middleware.UserLanguage",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "annotations.middleware.AccessErrorPages",
    "annotations.middleware.RefuseUnstorableQuery",
    "annotations.api.idempotency.IdempotencyKeys",
    "annotations.middleware.DatabaseUnavailable",
]

ROOT_URLCONF = "workbench.urls"
WSGI_APPLICATION = "workbench.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "annotations.context_processors.interface",
            ],
        },
    },
]

if not os.environ.get("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded default lives in the project's var/
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        # Persistent connections: a new PostgreSQL connection per request cost more than the request's own
        # SQL (issue 17). A health check before reuse replaces a connection the server dropped.
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "600")),
        conn_health_checks=os.environ.get("DB_CONN_HEALTH_CHECKS", "1") != "0",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several writers (runserver + an in-process job) share the file: wait for locks instead of failing.
    # BEGIN IMMEDIATE: a write transaction takes the lock when it starts and waits for it, instead of
    # failing at once with "database is locked" when its first write finds another writer (the worker).
    # WAL: readers never wait for the writer; synchronous=NORMAL is safe with WAL and commits faster.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Statements run through workbench.db.prepared_cursor are prepared on the server once per connection;
    # psycopg prepares no other statement on its own (this threshold is never reached). Set
    # DB_PREPARED_STATEMENTS=0 behind a transaction-mode pooler that cannot keep them (PgBouncer < 1.21).
    prepare = os.environ.get("DB_PREPARED_STATEMENTS", "1") != "0"
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1 if prepare else None
    # Django's backend, but a connection that ran a statement in the last DB_HEALTH_CHECK_IDLE seconds is
    # reused without its health check (workbench/postgresql/base.py); 0 checks before every request.
    DATABASES["default"]["ENGINE"] = "workbench.postgresql"
    DATABASES["default"]["HEALTH_CHECK_IDLE"] = float(os.environ.get("DB_HEALTH_CHECK_IDLE", "10"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds sign-in failure counts and API throttle counters. Set CACHE_URL (redis://...) when
# several processes serve the site, so they share the counts; the default is per-process memory.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "workbench"}
}
# Sign-in (form and POST /api/auth/token/): this many failures per username or per address within
# the window (seconds) and further attempts get 429 with Retry-After until the window ends.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", 10))
LOGIN_FAILURE_WINDOW = int(os.environ.get("LOGIN_FAILURE_WINDOW", 15 * 60))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ar", "العربية")]
# Each language names itself in the switch; the catalogs live in annotations/locale (scripts/messages.sh).
LOCALE_PATHS = [BASE_DIR / "annotations" / "locale"]
FORMAT_MODULE_PATH = ["workbench.formats"]
LANGUAGE_COOKIE_NAME = "workbench_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Finished export files; served only through a permission-checked view, never as static files.
EXPORT_ROOT = Path(os.environ.get("EXPORT_ROOT", VAR_DIR / "exports"))
# Gold exports: where this workbench is published (ClaimReview `url` = PUBLIC_BASE_URL/claims/<id>/), the
# organization that publishes the reviews (default: the project's name; its URL default: PUBLIC_BASE_URL/),
# the licence of the exported annotations (a Hugging Face licence id; "other" says the texts stay the
# publishers'), and the salt of pseudonymized usernames (default: derived from SECRET_KEY).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://localhost:8000").rstrip("/")
EXPORT_ORGANIZATION_NAME = os.environ.get("EXPORT_ORGANIZATION_NAME", "")
EXPORT_ORGANIZATION_URL = os.environ.get("EXPORT_ORGANIZATION_URL", "")
EXPORT_DATASET_LICENSE = os.environ.get("EXPORT_DATASET_LICENSE", "other")
EXPORT_PSEUDONYM_SALT = os.environ.get("EXPORT_PSEUDONYM_SALT", "")
# A large export on PostgreSQL is written by this many processes (forks of the exporting one), each a run of
# EXPORT_PART_DOCUMENTS documents at a time in the export's snapshot (services/export_parts.py); 1: one process.
# One more than the cores: a worker waiting for PostgreSQL leaves its core to another (bench/export_bench.py).
EXPORT_WORKERS = int(os.environ.get("EXPORT_WORKERS", min((os.cpu_count() or 1) + 1, 4)))
EXPORT_PART_DOCUMENTS = int(os.environ.get("EXPORT_PART_DOCUMENTS", 1000))

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

CSRF_FAILURE_VIEW = "annotations.pages.accounts.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# An enforced policy: scripts only from our own origin, no inline code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Request bodies: an article of a few hundred thousand characters is the most we accept.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 4 * 1024 * 1024))
DOCUMENT_MAX_CHARS = int(os.environ.get("DOCUMENT_MAX_CHARS", 500_000))
# Web imports (POST /api/projects/{id}/imports/): an article shorter than this is a line error; the
# upload's size limit (413 above it); a zip's member count and unpacked size (zip bombs).
DOCUMENT_MIN_CHARS = int(os.environ.get("DOCUMENT_MIN_CHARS", 20))
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", 20 * 1024 * 1024))
IMPORT_MAX_ZIP_MEMBERS = int(os.environ.get("IMPORT_MAX_ZIP_MEMBERS", 1000))
IMPORT_MAX_UNZIPPED_BYTES = int(os.environ.get("IMPORT_MAX_UNZIPPED_BYTES", 200 * 1024 * 1024))

REST_FRAMEWORK = {
    # Token first, so that an anonymous API call gets 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "annotations.api.authentication.TokenAuthentication",  # DRF's, reading the token once per request
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["annotations.api.parsers.SafeJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "annotations.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "annotations.api.schema.WorkbenchAutoSchema",
    "DEFAULT_FILTER_BACKENDS": [],
    "EXCEPTION_HANDLER": "annotations.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Generous for annotation (a reviewer saving a span a second stays far below), a brake on scripts gone wrong.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "120/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "1200/minute"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Arabic news annotation and verification workbench API",
    "DESCRIPTION": (
        "Offsets are Unicode code points into the stored NFC text of a document. "
        "Authenticate with `Authorization: Token <key>` (POST /api/auth/token/) or a browser session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `status`; name each choice set after its concept.
    "ENUM_NAME_OVERRIDES": {
        "AssignmentStatusEnum": "annotations.models.assignments.AssignmentStatus",
        "JobStatusEnum": "annotations.models.jobs.JobStatus",
        "AdjudicationStatusEnum": "annotations.models.adjudication.AdjudicationStatus",
    },
}

# Celery. With no broker configured, tasks run in-process right after the transaction commits (tests,
# one-off commands). scripts/run.sh configures the embedded broker instead, kombu's SQLAlchemy transport on
# a SQLite file (`sqla+sqlite:///.../var/celery.sqlite`), and starts a worker: submits and finalizes never
# wait for a job, and a laptop still needs neither Redis nor a server.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True  # job state lives in database rows, not in a result backend
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", 1800))
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
# Redis: a visibility timeout longer than any task may run, so Redis never hands a running task to a second
# worker, and short socket timeouts, so a hung broker (accepting connections, never answering) costs a
# sender seconds, not forever. The embedded SQLite broker: WAL connections (workbench/broker.py).
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(CELERY_BROKER_URL, CELERY_TASK_TIME_LIMIT + 600)
# A worker running a job writes a heartbeat this often (seconds); a job without one for
# JOB_HEARTBEAT_STALE seconds lost its worker: `dispatch_jobs` fails it and queues a replacement,
# at most JOB_MAX_ATTEMPTS times.
JOB_HEARTBEAT_SECONDS = float(os.environ.get("JOB_HEARTBEAT_SECONDS", 10))
JOB_HEARTBEAT_STALE = float(os.environ.get("JOB_HEARTBEAT_STALE", 120))
JOB_MAX_ATTEMPTS = int(os.environ.get("JOB_MAX_ATTEMPTS", 3))
# A save must not hang when Redis is down: give up publishing quickly (the row stays pending).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}

# Periodic work, run by `celery -A workbench beat` (the `beat` service in docker-compose.yml).
CELERY_BEAT_SCHEDULE = {
    "prune-idempotency-records": {"task": "annotations.tasks.idempotency_records_prune_task", "schedule": 3600.0},
    "sweep-jobs": {"task": "annotations.tasks.jobs_sweep_task", "schedule": 30.0},
}

# How long an Idempotency-Key's first answer is replayed to repeats (seconds).
IDEMPOTENCY_TTL = int(os.environ.get("IDEMPOTENCY_TTL", 24 * 3600))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
