"""Scheduled report e-mails are built as each recipient would see the report on the screen,
one e-mail each, never as "the first member" of the organisation for everyone."""

import pytest
from django.core import mail

from accounts.enums import OrganisationKind, Role
from accounts.models import Membership
from beneficiaries.models import FundingProgramme
from reports import mail as report_mail
from tests.factories import OrganisationFactory, make_batch, make_device, member

pytestmark = pytest.mark.django_db


def _builder_spy(monkeypatch, name):
    built_for = []
    real = getattr(report_mail, name)

    def spy(*, user, **kwargs):
        built_for.append(user.username)
        return real(user=user, **kwargs)

    monkeypatch.setattr(report_mail, name, spy)
    return built_for


def test_each_manager_gets_the_stock_report_built_for_them(monkeypatch, workshop, technician):
    make_device(make_batch(workshop, user=technician))
    member(workshop, Role.MANAGER, username="chef-1", email="chef1@example.org")
    member(workshop, Role.MANAGER, username="chef-2", email="chef2@example.org")
    member(workshop, Role.READER, username="lecteur", email="lecteur@example.org")
    built_for = _builder_spy(monkeypatch, "stock_report_build")
    assert report_mail.stock_report_send_weekly() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["chef1@example.org", "chef2@example.org"]
    assert all(len(m.to) == 1 for m in mail.outbox)
    assert sorted(built_for) == ["chef-1", "chef-2"]


def test_each_funder_user_gets_the_report_as_they_see_it(monkeypatch, coordinator):
    funder = OrganisationFactory(name="Département", kind=OrganisationKind.FUNDER)
    FundingProgramme.objects.create(funder=funder, name="Inclusion 2026")
    # A coordinator who also belongs to the funder would see figures under 5 unmasked: the
    # funder's plain reader must not get the report built for her.
    coordinator.email = "coord@example.org"
    coordinator.save()
    Membership.objects.create(user=coordinator, organisation=funder, role=Role.READER)
    member(funder, Role.READER, username="lecteur-dep", email="dep@example.org")
    member(funder, Role.READER, username="sans-adresse", email="")
    built_for = _builder_spy(monkeypatch, "funder_report_build")
    assert report_mail.funder_reports_send_monthly() == 2
    assert sorted(built_for) == ["coord", "lecteur-dep"]
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"coord@example.org", "dep@example.org"}
