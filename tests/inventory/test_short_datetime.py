"""The queue writes each row's date with strftime when the language's short format allows it:
the same text as Django's own formatter, in every language the site speaks."""

import datetime

import pytest
from django.utils import dateformat, formats, timezone, translation

from inventory.templatetags.device_rows import short_datetime_formatter


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2026, 12, 3, 9, 5, 7),
        datetime.datetime(2026, 1, 31, 23, 59),
        datetime.datetime(2026, 7, 1, 0, 0),
    ],
)
def test_same_text_as_django(language, moment):
    moment = timezone.make_aware(moment)
    with translation.override(language):
        assert short_datetime_formatter()(moment) == formats.date_format(
            moment, "SHORT_DATETIME_FORMAT"
        )


def test_iso_is_what_django_c_writes():
    moment = timezone.localtime(timezone.make_aware(datetime.datetime(2026, 12, 3, 9, 5, 7, 123)))
    assert moment.isoformat() == dateformat.format(moment, "c")
