"""Production: every secret and address from the environment, HTTPS only.

A missing or malformed variable stops start-up with one line naming it
(see ``helpdesk.settings.require``).
"""
from .base import *  # noqa: F403
from .base import DATABASES, MIDDLEWARE, POSTGRESQL_OPTIONS, env
from .require import require

DEBUG = False

# REQUIRED VARIABLES
# ------------------------------------------------------------------------------
SECRET_KEY = require(
    "SECRET_KEY", env.str,
    check=lambda v: len(v) >= 50 and len(set(v)) >= 5 and not v.startswith("django-insecure-"),
    hint="a random string of at least 50 characters",
)
ALLOWED_HOSTS = require("ALLOWED_HOSTS", env.list, check=lambda v: bool(v) and "*" not in v,
                        hint="a comma-separated list of host names, without *")
BASE_DOMAIN = require("BASE_DOMAIN", env.str,
                      check=lambda v: "." in v.strip(".") and "/" not in v and ":" not in v,
                      hint="a domain such as helpdesk.example.com")
SITE_SCHEME = env.str("SITE_SCHEME", default="https")
DATABASES["default"] = require(
    "DATABASE_URL", env.db, check=lambda v: v["ENGINE"] == "django.db.backends.postgresql",
    hint="a postgres:// URL",
)
DATABASES["default"].setdefault("OPTIONS", {}).update(POSTGRESQL_OPTIONS)
# psycopg's pool instead of persistent connections; options given in the URL are kept.
DATABASES["default"]["OPTIONS"]["pool"] = {
    "min_size": env.int("DATABASE_POOL_MIN", default=2),
    "max_size": env.int("DATABASE_POOL_MAX", default=10),
    "timeout": 10,
}
# The working set of tickets sits in memory or on SSD, where a random page read costs about
# what a sequential one does; at PostgreSQL's default of 4 the planner walks a whole tenant's
# tickets rather than the small open-ticket indexes (issue 5: queue page query 50 -> 27 ms).
# A server already tuned (postgresql.conf, ALTER DATABASE) can set DATABASE_RANDOM_PAGE_COST.
_page_cost = env.float("DATABASE_RANDOM_PAGE_COST", default=1.1)
DATABASES["default"]["OPTIONS"].setdefault("options", f"-c random_page_cost={_page_cost}")
# base.py has already pointed the cache and Celery's broker at it.
REDIS_URL = require("REDIS_URL", env.str, check=lambda v: v.startswith(("redis://", "rediss://")),
                    hint="a redis:// or rediss:// URL")
vars().update(require("EMAIL_URL", env.email_url, check=lambda v: bool(v.get("EMAIL_HOST")),
                      hint="an smtp:// or smtp+tls:// URL with a host"))
FIELD_ENCRYPTION_KEY = require("FIELD_ENCRYPTION_KEY", env.str,
                               check=lambda v: len(v) >= 32 and v != SECRET_KEY,
                               hint="at least 32 characters, not the SECRET_KEY")

# SECURITY
# ------------------------------------------------------------------------------
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# /healthz answers load balancers that probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[f"https://*.{BASE_DOMAIN}"])

# STATIC
# ------------------------------------------------------------------------------
# gunicorn serves the collected, hashed and compressed files itself: no separate file server.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
