"""Reports sent by e-mail: the weekly stock report to each workshop's managers, the monthly
funder report to each funder's users."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.enums import OrganisationKind, Role
from accounts.models import Membership, Organisation
from beneficiaries.models import FundingProgramme

from .funder import FunderFilters, funder_report_build, funder_report_pdf
from .jobs import last_month
from .stock import stock_report_build, stock_report_pdf


def stock_report_send_weekly() -> int:
    """Returns the number of e-mails sent; a workshop without managers is skipped."""
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for workshop in Organisation.objects.filter(kind=OrganisationKind.WORKSHOP):
            managers = list(
                Membership.objects.filter(
                    organisation=workshop, role=Role.MANAGER, user__is_active=True
                )
                .exclude(user__email="")
                .select_related("user")
            )
            if not managers:
                continue
            report = stock_report_build(user=managers[0].user, workshop_ids=[workshop.pk])
            message = EmailMessage(
                subject=_("Weekly stock report — %(workshop)s") % {"workshop": workshop.name},
                body=_(
                    "Please find attached the stock report of %(workshop)s for the week of "
                    "%(date)s: %(total)s devices, median lead time to ready %(median)s days."
                )
                % {
                    "workshop": workshop.name,
                    "date": timezone.localdate().strftime("%d/%m/%Y"),
                    "total": report.total,
                    "median": report.to_ready.median_days or "—",
                },
                to=[m.user.email for m in managers],
            )
            message.attach(
                f"rapport-stock-{timezone.localdate().isoformat()}.pdf",
                stock_report_pdf(report),
                "application/pdf",
            )
            message.send()
            sent += 1
    return sent


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
