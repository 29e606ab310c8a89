"""Local development: the embedded default of base.py plus DEBUG."""
from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
