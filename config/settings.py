"""Crowdeval settings: one module, every deploy-time value read from the environment.

With no environment at all this is the embedded default: SQLite in the checkout, Celery tasks
run eagerly in-process, an in-memory cache and DEBUG on, so `manage.py load_demo && manage.py
runserver` works on a fresh machine. Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS,
DATABASE_URL (PostgreSQL) and REDIS_URL (Celery broker and cache).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.mail import email_settings_from_url

BASE_DIR = Path(__file__).resolve().parent.parent

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-never-use-in-production"  # noqa: S105


def env_str(name: str, default: str) -> str:
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    # Production must never run with a key that is published in this repository.
    raise ImproperlyConfigured("Set SECRET_KEY: DEBUG is off and the development key is in use.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    # django-ninja's templates and static files: /api/v1/docs serves Swagger UI from this
    # site, not from a CDN that the Content-Security-Policy (script-src 'self') would block.
    "ninja",
    "accounts",
    "campaign",
    "scoring",
    "api",
]

# The HTTP API's lists (django-ninja reads NINJA_*): a page of 50 unless asked, 500 at most.
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
    # Under /api/ every error is JSON, even those answered before or after the API's views.
    "api.errors.JsonErrorsMiddleware",
    # Development serves static files through runserver; production through WhiteNoise.
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the user's read written out (config/auth.py).
    "config.auth.AuthenticationMiddleware",
    # After the user is known: participants get the product's 404/500 pages even with DEBUG on.
    "config.errors.ParticipantErrorPagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, so its process_exception sees a view's database errors first (config/outage.py).
    "config.outage.DatabaseOutageMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with a health check that asks the socket before it sends a statement.
    DATABASES["default"]["ENGINE"] = "config.postgresql"
    # Server-side parameter binding lets psycopg prepare the statements a connection repeats
    # (the annotate loop's handful): PostgreSQL then skips parsing and planning them.
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=2
        )
# The embedded default (the demo) runs threads beside a command or request: an import's text
# rendering and the scoring run it starts. In SQLite's default journal a long read holds off
# every other writer's commit and a writer waits 5 s at most, so load_demo could fail with
# "database is locked" (seen on a fresh clone). In WAL mode readers and the one writer go on
# together; IMMEDIATE takes the write lock when a transaction begins, so none fails halfway
# on upgrading a read to a write; and a writer waits up to 30 s for the lock.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        init_command="PRAGMA journal_mode=WAL;", transaction_mode="IMMEDIATE", timeout=30
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# allauth: log in by username or e-mail; logins are rate-limited through the cache, which is
# shared by all processes only with REDIS_URL (without it each process counts on its own).
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
# Sign-up never says an address is taken (campaign/participants/signup.py keeps them unique).
ACCOUNT_PREVENT_ENUMERATION = "strict"
# Per address: generous, because a class or a lab signs in from one NAT address (allauth's
# 30 logins a minute made 150 participants wait minutes). Per account ("key", the account
# whichever of username or e-mail is typed): 5 failures in 5 minutes, the guessing guard.
ACCOUNT_RATE_LIMITS = {
    "login": "300/m/ip",
    "login_failed": "100/m/ip,5/5m/key",
    "signup": "200/m/ip",
}
ACCOUNT_ADAPTER = "campaign.participants.signup.AccountAdapter"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"

# Mail (password resets, e-mail changes): EMAIL_URL, or EMAIL_HOST and its companions.
# Nothing set: development prints mail to the console; production refuses to send, and the
# account pages say so instead of failing (config/mail.py).
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Crowdeval <noreply@localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
if os.environ.get("EMAIL_URL"):
    _mail = email_settings_from_url(os.environ["EMAIL_URL"])
    EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT = _mail.backend, _mail.host, _mail.port
    EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _mail.user, _mail.password
    EMAIL_USE_TLS, EMAIL_USE_SSL = _mail.use_tls, _mail.use_ssl
elif os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "config.mail.NoMailBackend"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis with this process's memory as a stand-in while Redis is down.
            "BACKEND": "config.cache.RedisCacheWithLocalFallback",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                # A cache outage must not take annotation down (config/cache.py).
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: with no REDIS_URL every task runs eagerly inside the caller (the embedded default).
CELERY_BROKER_URL = REDIS_URL or "memory://"
if REDIS_URL:
    # kombu's Redis transport, mended so a worker survives a broker outage (config/broker.py).
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 14 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that lost Redis keeps trying to reconnect however long the outage (Celery's
# default gives up after 100 tries and exits).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TIMEZONE = "UTC"
# With acks_late, a message whose worker died (killed, machine lost) goes back to the queue
# once it has been unacknowledged this long. It must exceed the task time limit, or a job
# still running would be handed to a second worker.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 300)
if CELERY_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    # Refused, not corrected: the broker would redeliver a job that is still running.
    raise ImproperlyConfigured(
        f"CELERY_VISIBILITY_TIMEOUT ({CELERY_VISIBILITY_TIMEOUT} s) must be longer than "
        f"CELERY_TASK_TIME_LIMIT ({CELERY_TASK_TIME_LIMIT} s): a shorter one hands a scoring "
        "job that is still running to a second worker. Raise it or lower the time limit."
    )
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"CELERY_TASK_SOFT_TIME_LIMIT ({CELERY_TASK_SOFT_TIME_LIMIT} s) must be shorter than "
        f"CELERY_TASK_TIME_LIMIT ({CELERY_TASK_TIME_LIMIT} s), or the soft limit never fires."
    )
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": env_float("CELERY_BROKER_CONNECT_TIMEOUT", 2.0),
}
if os.environ.get("CELERY_UNACKED_RESTORE_SECONDS"):
    # How often a worker looks for such messages (kombu's default sweep is about 100 s).
    CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_interval"] = env_int(
        "CELERY_UNACKED_RESTORE_SECONDS", 10
    )
    CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_throttle"] = 1
# Beat (`celery -A config beat`): periodic jobs. `expires` drops a run nobody picked up before
# the next one is due, so a stopped worker does not come back to a pile of stale duplicates.
SCORING_BEAT_SECONDS = env_int("SCORING_BEAT_SECONDS", 5 * 60)
RECLAIM_LEASES_SECONDS = env_int("RECLAIM_LEASES_SECONDS", 60)
# Catch-up for texts an import could not have rendered (campaign.rendered_texts).
RENDER_PENDING_SECONDS = env_int("RENDER_PENDING_SECONDS", 10 * 60)
CELERY_BEAT_SCHEDULE = {
    "score-open-campaigns": {
        "task": "scoring.score_open_campaigns",
        "schedule": SCORING_BEAT_SECONDS,
        "options": {"expires": SCORING_BEAT_SECONDS},
    },
    "reclaim-leases": {
        "task": "campaign.reclaim_leases",
        "schedule": RECLAIM_LEASES_SECONDS,
        "options": {"expires": RECLAIM_LEASES_SECONDS},
    },
    "render-pending-texts": {
        "task": "campaign.render_pending_texts",
        "schedule": RENDER_PENDING_SECONDS,
        "options": {"expires": RENDER_PENDING_SECONDS},
    },
}

# Scoring jobs (scoring/jobs.py, scoring/queue.py; README "Scoring jobs").
SCORING_BOOTSTRAP_ROUNDS = env_int("SCORING_BOOTSTRAP_ROUNDS", 1000)
# A run starts this long after the first new judgment; later ones until then ride along.
SCORING_DEBOUNCE_SECONDS = env_int("SCORING_DEBOUNCE_SECONDS", 10)
# The annotate path's Redis calls give up after this long, and after a failure it leaves
# Redis alone for SCORING_REDIS_RETRY_SECONDS (beat catches up on what it did not queue).
SCORING_REDIS_TIMEOUT = env_float("SCORING_REDIS_TIMEOUT", 0.25)
SCORING_REDIS_RETRY_SECONDS = env_float("SCORING_REDIS_RETRY_SECONDS", 30.0)
# Outlives any run (the hard time limit kills it first), so a live run never loses its lock.
SCORING_LOCK_SECONDS = CELERY_TASK_TIME_LIMIT + 60
# The organiser dashboard warns when a judgment has waited this long to be scored.
SCORING_LAG_WARNING_SECONDS = env_int("SCORING_LAG_WARNING_SECONDS", 2 * SCORING_BEAT_SECONDS)
# A run refits the extra views and analyses (scoring.extras_schedule) once the campaign has
# grown by this share of the judgments they were fitted on, or once they are this old; other
# runs carry them forward, so a run's cost follows its new judgments.
SCORING_EXTRAS_GROWTH = env_float("SCORING_EXTRAS_GROWTH", 0.05)
SCORING_EXTRAS_MAX_AGE_SECONDS = env_int("SCORING_EXTRAS_MAX_AGE_SECONDS", 10 * 60)
# Timed seconds the incremental state keeps either side of each annotator's median and of the
# campaign's (scoring.numerics.seconds_windows): enough that a run's new judgments rarely move
# a median out of its window; a window they do move out is rebuilt from the judgments.
SCORING_SECONDS_REACH = (256, 32_768)
# A full run's large reads go to this many extra connections that share its snapshot
# (scoring.shared_reads; 0: all on the run's own); each worker process then needs 1 + this
# many of PostgreSQL's max_connections while a full run reads.
SCORING_SHARED_READERS = env_int("SCORING_SHARED_READERS", 2)
# Without Redis (eager Celery) a judgment scores its campaign inline, at most this often.
SCORING_EAGER_INTERVAL_SECONDS = env_int("SCORING_EAGER_INTERVAL_SECONDS", 30)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Import limits (PRODUCT.md "Import format"): longer texts are reported, not truncated.
IMPORT_MAX_TEXT_CHARS = env_int("IMPORT_MAX_TEXT_CHARS", 100_000)
IMPORT_MAX_ERRORS = env_int("IMPORT_MAX_ERRORS", 1000)
# Import files uploaded from the organiser pages wait here between their dry run and their
# import (campaign/organise/uploads.py); with a worker this folder must be shared with it.
IMPORT_UPLOAD_DIR = Path(env_str("IMPORT_UPLOAD_DIR", str(BASE_DIR / "uploads")))
IMPORT_UPLOAD_MAX_BYTES = env_int("IMPORT_UPLOAD_MAX_BYTES", 512 * 2**20)

# Scripts only from our own files (static/), no inline script; inline style attributes stay
# allowed (progress bars' widths, table alignment from sanitised Markdown), style sheets not.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Django's database sessions in accounts_session, whose rows name their user: one written-out
# statement loads the session and its user's row (config/sessions.py, config/auth.py).
SESSION_ENGINE = "config.sessions"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 30)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # On by default so `check --deploy` is clean; set 0 for a domain that must not be preloaded.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Eager tasks run inside the web process or a command: Celery's "Task ... succeeded in"
    # lines are a worker's bookkeeping there and only clutter the demo's console.
    "loggers": {"celery.app.trace": {"level": "WARNING"}} if CELERY_TASK_ALWAYS_EAGER else {},
}
