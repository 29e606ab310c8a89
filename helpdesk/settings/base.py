"""Settings shared by every environment, read from the environment with django-environ.

With no variables set this runs the embedded default: SQLite and files under ``data/``,
email to the console, Celery on kombu's filesystem transport (no Redis).
"""
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from .require import optional

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
env.read_env(BASE_DIR / ".env")  # optional; real environment variables win

DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "data")))
DATA_DIR.mkdir(parents=True, exist_ok=True)  # the embedded default keeps its files here

# GENERAL
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="insecure-local-only-key-change-me-0123456789abcdef")
# The tenant host is <slug>.<BASE_DOMAIN>; the bare base domain serves the platform admin.
BASE_DOMAIN = env.str("BASE_DOMAIN", default="localhost")
# How links in emails reach a tenant's site, where no request tells: scheme and port.
SITE_SCHEME = env.str("SITE_SCHEME", default="http")
SITE_PORT = env.str("SITE_PORT", default="")
# Hosts are checked by accounts.middleware.TenantMiddleware against the tenants' slugs and
# custom domains (which change at run time), so Django's static list lets every host through.
ALLOWED_HOSTS = ["*"]
TIME_ZONE = "UTC"
USE_TZ = True
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("it", _("Italian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"
SITE_NAME = env.str("SITE_NAME", default="Vendor Helpdesk")

# DATABASES
# ------------------------------------------------------------------------------
DATABASES = {
    "default": optional("DATABASE_URL", env.db, default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}",
                        hint="a postgres:// or sqlite:/// URL", check=lambda v: bool(v["ENGINE"])),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default runs the web server and the worker on one file: each write
    # transaction takes the database at its start (so two jobs run one after the other instead
    # of failing with "database is locked" half way), and waits up to 30 s for it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 30})
# Parameters go to the server apart from the SQL, so that the same statement has the same
# text whatever its values; psycopg prepares it on its fifth run on a connection and
# PostgreSQL plans it once rather than on every run (issue 5: planning took 3 of the 4 ms of
# the staff queue's page query). Connections come from psycopg's own pool (production) or
# stay open, never from a transaction-mode pooler, which could not keep prepared statements.
POSTGRESQL_OPTIONS = {"server_side_binding": True, "prepare_threshold": 5}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(POSTGRESQL_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# CACHES
# ------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # A Redis that is down or hangs costs a page at most a second and no error: see
    # helpdesk.cache.
    CACHES = {"default": {"BACKEND": "helpdesk.cache.ForgivingRedisCache",
                          "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# APPS
# ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "helpdesk.apps.HelpdeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_countries",
    "helpdesk",
    "accounts",
    "licenses",
    "tickets",
]

# AUTHENTICATION
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# People belong to one tenant (TEN-5): the only backend looks a person up within request.tenant.
AUTHENTICATION_BACKENDS = ["accounts.backends.TenantEmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day; the link is single use anyway
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Email is unique per tenant, not globally (TEN-5); TenantEmailBackend enforces the scope.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
# Lockout (ACC-3): this many failures for one email at one tenant lock it for LOGIN_LOCKOUT_MINUTES.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
EMAIL_VERIFICATION_MAX_AGE = 60 * 60 * 24 * 3
# Authenticator apps list the code under the vendor's name the person knows.
OTP_TOTP_ISSUER = lambda device: device.user.tenant.name if device.user.tenant_id else SITE_NAME  # noqa: E731

# MIDDLEWARE
# ------------------------------------------------------------------------------
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.TenantMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PersonMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# STATIC AND MEDIA
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
# Uploaded files are served only through views that check access, never from a public URL (F-5).
MEDIA_URL = "/media-not-public/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# TEMPLATES
# ------------------------------------------------------------------------------
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
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "accounts.context_processors.portal",
            ],
        },
    }
]
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# SECURITY
# ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the cache (Redis in production) and written through to the database,
# which keeps them across a cache flush: a page view reads no session row (issue 5).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Key for encrypted fields (T-10 access info); production must set its own.
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")

# EMAIL
# ------------------------------------------------------------------------------
vars().update(optional("EMAIL_URL", env.email_url, default="consolemail://",
                       hint="an smtp://, smtp+tls:// or consolemail:// URL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="helpdesk@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds an SMTP step may block: a message's few steps fit the outbox's lease margin (2 min),
# so that a hanging server cannot keep a sender past its lease.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# CELERY
# ------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _celery_dir = DATA_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "helpdesk.tasks.heartbeat_task",
                  "schedule": env.float("HEARTBEAT_SECONDS", default=60.0)},
    "priority-offsets": {"task": "tickets.tasks.refresh_priority_offsets_task",
                         "schedule": crontab(hour=2, minute=30)},
    # §5: every timed rule of every tenant; each run is idempotent, so the period only sets
    # how soon after its limit a ticket moves.
    "lifecycle": {"task": "helpdesk.tasks.run_lifecycle_task",
                  "schedule": env.float("LIFECYCLE_SECONDS", default=300.0)},
    # N-1: writers also ask for a delivery after commit; this catches anything left over
    # (retries after backoff, a broker that was down).
    "outbox": {"task": "helpdesk.tasks.deliver_outbox_task",
               "schedule": env.float("OUTBOX_SECONDS", default=15.0)},
}
# Ask a worker to send new outbox rows as soon as their transaction commits.
OUTBOX_KICK = env.bool("OUTBOX_KICK", default=True)

# LOGGING
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
