"""Production: every secret and address from the environment, HTTPS only.

A missing or malformed variable stops start-up with one line naming it
(see ``helpdesk.settings.require``).
"""
from .base import *  # noqa: F403
from .base import DATABASES, env
from .require import require

DEBUG = False
SECRET_KEY = require("SECRET_KEY", env.str, check=lambda v: len(v) >= 50 and len(set(v)) >= 5,
                     hint="at least 50 characters with 5 different ones")
ALLOWED_HOSTS = require("ALLOWED_HOSTS", env.list, check=bool, hint="a comma-separated list")
BASE_DOMAIN = require("BASE_DOMAIN", env.str, check=lambda v: "." in v and "/" not in v,
                      hint="a domain such as helpdesk.example.com")
DATABASES["default"] = require(
    "DATABASE_URL", env.db, check=lambda v: v["ENGINE"] == "django.db.backends.postgresql",
    hint="a postgres:// URL",
)
DATABASES["default"]["OPTIONS"] = {"pool": {"min_size": 2, "max_size": 10, "timeout": 10}}
REDIS_URL = require("REDIS_URL", env.str, check=lambda v: v.startswith(("redis://", "rediss://")),
                    hint="a redis:// URL")
CELERY_BROKER_URL = REDIS_URL
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                      "LOCATION": REDIS_URL}}
vars().update(require("EMAIL_URL", env.email_url, check=lambda v: bool(v.get("EMAIL_HOST")),
                      hint="an smtp:// or smtp+tls:// URL"))
FIELD_ENCRYPTION_KEY = require("FIELD_ENCRYPTION_KEY", env.str,
                               check=lambda v: len(v) >= 32, hint="at least 32 characters")

# SECURITY
# ------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[f"https://*.{BASE_DOMAIN}"])

# STATIC
# ------------------------------------------------------------------------------
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
