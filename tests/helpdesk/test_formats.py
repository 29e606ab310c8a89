"""helpdesk.formats.local_datetime: the same text as Django's date_format of the local time."""
import datetime
import zoneinfo

import pytest
from django.template import engines
from django.utils import timezone, translation
from django.utils.formats import date_format

from helpdesk.formats import _pieces, local_datetime

ROME = zoneinfo.ZoneInfo("Europe/Rome")
# Midnight, noon, a.m. and p.m. with and without minutes, a single-digit day, and the hour
# that Rome's clocks skip and the one they repeat (summer time, 2026).
MOMENTS = [datetime.datetime(2026, 3, 2, 0, 0), datetime.datetime(2026, 3, 2, 12, 0),
           datetime.datetime(2026, 3, 2, 9, 5), datetime.datetime(2026, 11, 21, 18, 30),
           datetime.datetime(2026, 3, 29, 1, 30), datetime.datetime(2026, 10, 25, 0, 45),
           datetime.datetime(2026, 10, 25, 1, 15)]


@pytest.mark.parametrize("language", ["en", "it"])
@pytest.mark.parametrize("zone", ["UTC", "Europe/Rome", "America/New_York"])
@pytest.mark.parametrize("format_name", ["SHORT_DATETIME_FORMAT", "DATETIME_FORMAT",
                                         "SHORT_DATE_FORMAT"])
def test_local_datetime_reads_as_djangos_date_format(language, zone, format_name):
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        for moment in MOMENTS:
            value = moment.replace(tzinfo=datetime.UTC)
            assert local_datetime(value, format_name) == date_format(
                timezone.localtime(value), format_name)


def test_local_datetime_shows_the_active_time_zone_and_language():
    value = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
    with translation.override("en"), timezone.override(ROME):
        assert local_datetime(value) == "03/02/2026 9 a.m."
    with translation.override("it"), timezone.override(ROME):
        assert local_datetime(value) == "02/03/2026 09:00"


def test_escaped_characters_of_a_format_stay_literal():
    assert _pieces(r"H\h i") == ((True, "H"), (False, "h "), (True, "i"))


def test_the_template_filter_writes_nothing_for_no_date_and_the_named_format_otherwise():
    template = engines["django"].from_string(
        '{% load ticket_tags %}[{{ none|local_datetime }}]'
        '[{{ when|local_datetime:"SHORT_DATE_FORMAT" }}]')
    value = datetime.datetime(2026, 3, 2, 23, 30, tzinfo=datetime.UTC)
    with translation.override("en"), timezone.override(ROME):
        assert template.render({"none": None, "when": value}) == "[][03/03/2026]"
