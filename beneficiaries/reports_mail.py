from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Membership

from .models import FundingProgramme
from .report_builders import last_month
from .reports import FunderFilters, funder_report_build, funder_report_pdf


def funder_reports_send_monthly() -> int:
    """Built as the funder's own user, so the same masking applies as on the screen."""
    date_from, date_to = last_month()
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for programme in FundingProgramme.objects.select_related("funder"):
            members = list(
                Membership.objects.filter(organisation=programme.funder, user__is_active=True)
                .exclude(user__email="")
                .select_related("user")
            )
            if not members:
                continue
            report = funder_report_build(
                user=members[0].user, filters=FunderFilters(date_from, date_to, programme)
            )
            message = EmailMessage(
                subject=_("Monthly report — %(programme)s") % {"programme": programme.name},
                body=_(
                    "Please find attached the report of %(programme)s for %(month)s: "
                    "%(devices)s devices handed over."
                )
                % {
                    "programme": programme.name,
                    "month": date_from.strftime("%m/%Y"),
                    "devices": report.show(report.devices),
                },
                to=[m.user.email for m in members],
            )
            message.attach(
                f"rapport-{date_from:%Y-%m}.pdf", funder_report_pdf(report), "application/pdf"
            )
            message.send()
            sent += 1
    return sent
