"""Funders cannot recover small counts; report jobs survive a transient error."""

from unittest import mock

import pytest
from django.db import OperationalError

from accounts.enums import Role
from reports import jobs as report_jobs
from reports.funder import HIDDEN, FunderFilters, funder_report_build
from reports.models import ReportJob
from tests.factories import member
from tests.reports.test_funder_report import PERIOD, funded  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_single_small_cell_gets_a_complementary_hidden_cell(funded):  # noqa: F811
    reader = member(funded["funder"], Role.READER, username="funder-x")
    report = funder_report_build(user=reader, filters=PERIOD)
    ages = {c: v for c, _l, v in report.by_age}
    # 26-44: 5 and 65+: 1 — both hidden, else 6 − 5 would give the 1 back; the empty bands
    # read the same, so a reader cannot tell which band holds the one person.
    assert set(ages.values()) == {HIDDEN} and report.people == 6
    # 6 to people and 1 to a structure out of 7: the structure figure would reveal people
    assert (report.to_people, report.to_structures) == (HIDDEN, HIDDEN)


def test_money_and_impact_hidden_when_counts_are_small(funded):  # noqa: F811
    reader = member(funded["funder"], Role.READER, username="funder-y")
    narrow = funder_report_build(
        user=reader, filters=FunderFilters(PERIOD.date_from, PERIOD.date_to, territory="92050")
    )  # Nanterre: one structure
    assert narrow.devices == HIDDEN
    assert narrow.charges_due == HIDDEN and narrow.co2e_kg == HIDDEN
    assert narrow.qpv_share == HIDDEN


def test_unknown_commune_is_refused(client, funded, coordinator):  # noqa: F811
    from django.urls import reverse

    client.force_login(coordinator)
    page = client.get(
        reverse("beneficiaries:funder_report"),
        {"year": PERIOD.date_from.year, "part": "", "territory": "99999"},
    )
    assert "99999" in page.content.decode() and 'id="figures"' not in page.content.decode()
    for bad in ({"year": "0001"}, {"year": "2026", "part": "Q9"}, {"year": "x", "part": "13"}):
        refused = client.get(reverse("beneficiaries:funder_report"), bad)
        assert refused.status_code == 200 and 'id="figures"' not in refused.content.decode()


def test_transient_error_leaves_the_job_for_the_retry(technician):
    job = ReportJob.objects.create(kind="stock", fmt="pdf", requested_by=technician)
    flaky = mock.Mock(side_effect=[OperationalError("connection reset"), (b"%PDF-1", "x.pdf")])
    with mock.patch.dict(report_jobs.BUILDERS, {"stock": flaky}):
        with pytest.raises(OperationalError):
            report_jobs.report_job_run(job_id=job.pk, final=False)
        job.refresh_from_db()
        assert job.status == ReportJob.Status.QUEUED
        report_jobs.report_job_run(job_id=job.pk, final=True)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.DONE and flaky.call_count == 2


def test_media_is_not_served(client, technician):
    client.force_login(technician)
    assert client.get("/media/reports/2026/11/anything.pdf").status_code == 404
