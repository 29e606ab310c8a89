"""Dates and choice labels in the active language (and time zone), for lists that show many
of them."""
import datetime
from functools import cache

from django.db.models import Choices
from django.utils import timezone
from django.utils.dateformat import DateFormat, re_escaped, re_formatchars
from django.utils.formats import get_format
from django.utils.translation import get_language


@cache
def _pieces(format_string: str) -> tuple[tuple[bool, str], ...]:
    """``format_string`` split as Django's dateformat splits it on every call: (True, a format
    character) or (False, literal text, its backslash escapes removed)."""
    pieces = []
    for index, piece in enumerate(re_formatchars.split(format_string)):
        if index % 2:
            pieces.append((True, piece))
        elif piece:
            pieces.append((False, re_escaped.sub(r"\1", piece)))
    return tuple(pieces)


def local_datetime(value: datetime.datetime, format_name: str = "SHORT_DATETIME_FORMAT") -> str:
    """What ``date_format(localtime(value), format_name)`` gives, with the format parsed once
    rather than on every call: 5 instead of 16 µs a date, 100 dates a staff queue page
    (issue 5)."""
    formatter = DateFormat(timezone.localtime(value))
    return "".join(str(getattr(formatter, piece)()) if is_character else piece
                   for is_character, piece in _pieces(get_format(format_name)))


@cache
def _choice_labels(choices: type[Choices], language: str | None) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def choice_label(choices: type[Choices], value: str) -> str:
    """``value``'s label in the active language, translated once per language rather than
    on every call (``get_FOO_display`` builds the choices' dictionary each time)."""
    return _choice_labels(choices, get_language())[value]
