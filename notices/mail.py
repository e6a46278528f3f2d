"""One notice by mail: short, in French, with the absolute link and the way to stop them."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User

from .models import NoticePreference


def absolute(url: str) -> str:
    """A path of the site as a link that works from a mailbox (settings.SITE_URL)."""
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


def notice_mail_send(*, user_id: int, kind: str, text: str, url: str) -> bool:
    """Send one notice by mail, unless the person has since left or turned the kind off.
    A failure of the mail server raises: the task retries."""
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        return False
    pref = NoticePreference.objects.filter(user=user, kind=kind).first()
    if pref is not None and not pref.by_mail:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        parts = [_("Hello,"), text]
        if url:
            parts.append(absolute(url))
        parts.append(
            _("To choose which notices you receive: %(url)s")
            % {"url": absolute(reverse("notices:preferences"))}
        )
        parts.append("— Filière")
        message = EmailMessage(
            subject=f"Filière · {text}"[:150], body="\n\n".join(parts), to=[user.email]
        )
    message.send()
    return True
