"""Local development: the embedded default of base.py plus DEBUG."""
from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# `dev.py run` serves on port 8000: links in emails printed by the worker lead there.
SITE_PORT = env.str("SITE_PORT", default="8000")
