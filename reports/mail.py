"""Reports sent by e-mail: the weekly stock report to each workshop's managers, the monthly
funder report to each funder's users."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.enums import OrganisationKind, Role
from accounts.models import Membership, Organisation
from beneficiaries.models import FundingProgramme

from .funder import FunderFilters, funder_report_build, funder_report_pdf
from .jobs import last_month
from .stock import stock_report_build, stock_report_pdf


def _recipients(organisation: Organisation, action: str, **membership):
    """Active users of the organisation with an address who may read the report, once each:
    every one gets the report built as they would see it on the screen."""
    users = {
        m.user
        for m in Membership.objects.filter(
            organisation=organisation, user__is_active=True, **membership
        )
        .exclude(user__email="")
        .select_related("user")
    }
    return sorted((u for u in users if permissions.can(u, action)), key=lambda u: u.pk)


def stock_report_send_weekly() -> int:
    """Returns the number of e-mails sent (one per manager); a workshop without managers is
    skipped."""
    sent = 0
    today = timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        for workshop in Organisation.objects.filter(kind=OrganisationKind.WORKSHOP):
            for user in _recipients(workshop, "reports.read_stock", role=Role.MANAGER):
                report = stock_report_build(user=user, workshop_ids=[workshop.pk])
                message = EmailMessage(
                    subject=_("Weekly stock report — %(workshop)s") % {"workshop": workshop.name},
                    body=_(
                        "Please find attached the stock report of %(workshop)s for the week of "
                        "%(date)s: %(total)s devices, median lead time to ready %(median)s days."
                    )
                    % {
                        "workshop": workshop.name,
                        "date": today.strftime("%d/%m/%Y"),
                        "total": report.total,
                        "median": report.to_ready.median_days or "—",
                    },
                    to=[user.email],
                )
                message.attach(
                    f"rapport-stock-{today.isoformat()}.pdf",
                    stock_report_pdf(report),
                    "application/pdf",
                )
                message.send()
                sent += 1
    return sent


def funder_reports_send_monthly() -> int:
    """One e-mail per funder user and programme, built as that user: the same masking and
    scope apply as on their screen."""
    date_from, date_to = last_month()
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for programme in FundingProgramme.objects.select_related("funder"):
            for user in _recipients(programme.funder, "reports.read_funder"):
                visible = FundingProgramme.objects.visible_to(user).filter(pk=programme.pk)
                if not visible.exists():
                    continue
                report = funder_report_build(
                    user=user, filters=FunderFilters(date_from, date_to, programme)
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
                    to=[user.email],
                )
                message.attach(
                    f"rapport-{date_from:%Y-%m}.pdf", funder_report_pdf(report), "application/pdf"
                )
                message.send()
                sent += 1
    return sent
