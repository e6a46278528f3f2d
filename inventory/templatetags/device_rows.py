"""The rows of the device tables (device list, batch page, work queue), written in Python.

These tables are the most rendered HTML of the application (50 rows a list, 100 in the queue)
and Django's template engine spent two thirds of those pages' time on their cells: about a
dozen variable lookups and filters per cell. Here each label is translated once per table,
each value is escaped once, and the markup is the same as the templates wrote."""

import html

from django import template
from django.utils import dateformat, formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from core.templatetags.lists import waited

register = template.Library()


def escape(value) -> str:
    """What django.utils.html.escape writes, without its lazy-string check and SafeString for
    each of the ~1,500 cells of a queue (the markup is marked safe once, whole)."""
    return html.escape(str(value))


def _text(value) -> str:
    return escape(value) if value else ""


def _identity(d) -> str:
    """The asset tag (a link to the device), type and model cells both tables open with."""
    return (
        f'<td class="mono"><a href="{escape(d.get_absolute_url())}">{escape(d.asset_tag)}</a></td>'
        f"<td>{escape(d.get_device_type_display())}</td>"
        f"<td>{_text(d.manufacturer)} {_text(d.model)}</td>"
    )


def _badge(d) -> str:
    return f'<span class="badge {escape(d.status)}">{escape(d.get_status_display())}</span>'


def _location(d) -> str:
    return escape(str(d.location) if d.location_id else "—")


def _drives(device) -> str:
    drives = [escape(str(drive)) for drive in device.drive_rows]
    return " · " + " + ".join(drives) if drives else ""


@register.simple_tag
def device_rows(devices, selectable=False):
    """The <tr> of `inventory/includes/device_table.html`, one per device."""
    rows = []
    for d in devices:
        select = ""
        if selectable:
            label = escape(gettext("Select %(tag)s") % {"tag": d.asset_tag})
            select = (
                f'<td><input type="checkbox" name="devices" value="{d.pk}" '
                f'aria-label="{label}"></td>'
            )
        rows.append(
            f"<tr>{select}{_identity(d)}"
            f'<td class="mono">{escape(d.serial_number or "—")}</td>\n'
            f"<td>{escape(d.ram_display)}{_drives(d)}</td>\n"
            f"<td>{_badge(d)}</td><td>{_location(d)}</td></tr>"
        )
    return mark_safe("\n".join(rows))


# Django's date format letters that strftime writes the same way, whatever the language.
_STRFTIME = {"d": "%d", "m": "%m", "Y": "%Y", "y": "%y", "H": "%H", "i": "%M", "s": "%S"}


def short_datetime_formatter():
    """A function writing a local datetime as the language's SHORT_DATETIME_FORMAT: the format
    is read once per table, and strftime used when it has only plain letters (French's
    "d/m/Y H:i"); Django's formatter (a dispatch per letter, 100 times a queue) otherwise."""
    django_format = formats.get_format("SHORT_DATETIME_FORMAT")
    pattern = []
    for char in django_format:
        if char in _STRFTIME:
            pattern.append(_STRFTIME[char])
        elif char.isalpha() or char == "\\":
            return lambda value: dateformat.format(value, django_format)
        else:
            pattern.append(char.replace("%", "%%"))
    strftime = "".join(pattern)
    return lambda value: value.strftime(strftime)


@register.simple_tag
def queue_rows(devices):
    """The <tr> of the work queue's tables: how long each device has waited for its step."""
    now = timezone.now()
    short = short_datetime_formatter()
    rows = []
    for d in devices:
        since = timezone.localtime(d.entered_at) if d.entered_at else None
        iso = since.isoformat() if since else ""  # what Django's "c" writes
        title = short(since) if since else ""
        rows.append(
            f"<tr>{_identity(d)}\n"
            f"<td>{_badge(d)}</td><td>{escape(d.batch.reference)}</td>"
            f"<td>{_location(d)}</td>"
            f'<td class="waited"><time datetime="{escape(iso)}" title="{escape(title)}">'
            f"{escape(waited(d.entered_at, now))}</time></td></tr>"
        )
    return mark_safe("".join(rows))
