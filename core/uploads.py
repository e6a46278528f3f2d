"""Checks that every uploaded file goes through before it is stored or parsed.

The limits are settings (SPREADSHEET_UPLOAD_MAX_BYTES, HARDWARE_REPORT_MAX_BYTES,
NWIPE_LOG_MAX_BYTES, MEDNUM_CSV_MAX_BYTES); the type of a file is judged on its content by
each reader (spreadsheet.check_content, hardware._load, nwipe, mednum), never on its name."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def upload_limit(setting: str) -> int:
    return int(getattr(settings, setting))


def too_large_message(size: int, limit: int) -> str:
    return _("The file is too large (%(size)s): the limit is %(limit)s.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(limit),
    }


def check_upload_size(uploaded, setting: str) -> None:
    """Refuse an uploaded file above the limit, or an empty one, with a message for the form."""
    limit = upload_limit(setting)
    if uploaded.size > limit:
        raise ValidationError(too_large_message(uploaded.size, limit), code="too_large")
    if uploaded.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")


def read_upload(uploaded) -> bytes:
    """The whole file (already checked for size), left rewound for whoever saves it next."""
    uploaded.seek(0)
    content = uploaded.read()
    uploaded.seek(0)
    return content
