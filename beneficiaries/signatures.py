"""The person's signature of a hand-over or a return, drawn on the desk's tablet or given on
paper. The drawing arrives as a PNG data URL from the page's canvas: checked to be a real,
small PNG before anything is written."""

import base64
import binascii

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import User
from core.images import image_info

from .models import Allocation, Signature

PREFIX = "data:image/png;base64,"
MAX_BYTES = 200 * 1024


def signature_png(data_url: str) -> bytes | None:
    """The PNG of a drawn signature, None when nothing was drawn; a ValidationError for
    anything that is not a small PNG."""
    data_url = (data_url or "").strip()
    if not data_url:
        return None
    if not data_url.startswith(PREFIX) or len(data_url) > MAX_BYTES * 2:
        raise ValidationError(_("The signature could not be read: sign again."))
    try:
        data = base64.b64decode(data_url[len(PREFIX) :], validate=True)
    except binascii.Error:
        data = b""
    info = image_info(data)
    if info is None or info[0] != "PNG" or info[1] > 2000 or info[2] > 1000:
        raise ValidationError(_("The signature could not be read: sign again."))
    return data


def signature_record(
    *, allocation: Allocation, kind: str, image: bytes | None, on_paper: bool, user: User
) -> Signature:
    # Whoever may hand over or take back for the structure: its staff, the coordination.
    permissions.require(user, "allocations.hand_over", allocation.structure)
    if image is None and not on_paper:
        raise ValidationError(_("Have the person sign on the screen, or tick “signed on paper”."))
    return Signature.objects.create(
        allocation=allocation,
        kind=kind,
        image=image,
        on_paper=on_paper and image is None,
        recorded_by=user,
    )
