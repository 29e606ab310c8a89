"""Reading settings variables: a missing required one or a malformed one is a one-line error."""
import os
import warnings
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured


def require(name: str, read: Callable[[str], Any], *, check: Callable[[Any], bool], hint: str):
    """Return ``read(name)``, or raise ImproperlyConfigured naming the variable and its shape."""
    if not os.environ.get(name, "").strip():
        raise ImproperlyConfigured(f"{name} is not set: expected {hint}.")
    return _checked(name, read, check=check, hint=hint)


def optional(name: str, read: Callable[..., Any], *, default: str, hint: str,
             check: Callable[[Any], bool] = bool):
    """``read(name)`` with a default for the embedded setup; a malformed value is one line."""
    if not os.environ.get(name, "").strip():
        return read(name, default=default)
    return _checked(name, read, check=check, hint=hint)


def _checked(name: str, read: Callable[[str], Any], *, check: Callable[[Any], bool], hint: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # django-environ warns before we can name the variable
        try:
            value = read(name)
            ok = check(value)
        except (ImproperlyConfigured, ValueError, KeyError, TypeError):
            ok = False
    if not ok:
        raise ImproperlyConfigured(f"{name} is malformed: expected {hint}.")
    return value
