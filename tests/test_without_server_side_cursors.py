"""What reads many rows works without server-side cursors (PgBouncer in transaction mode,
settings.DATABASE_PGBOUNCER): every .iterator() of the code, run with the setting on the
connection. Meaningful on PostgreSQL (CI); SQLite never uses server-side cursors."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.enums import OrganisationKind, Role
from beneficiaries.privacy import people_anonymise_inactive
from core.db import rows_by_pk
from inventory.models import Device
from reports.audit import chain_audit
from reports.funder import FunderFilters, funder_report_build
from reports.periods import Period
from tests.factories import OrganisationFactory, make_device, member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_server_side_cursors(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)


def test_rows_by_pk_reads_every_row_once_in_bounded_queries(batch):
    made = [make_device(batch).pk for _ in range(5)]
    with CaptureQueriesContext(connection) as queries:
        assert [d.pk for d in rows_by_pk(Device.objects.order_by("-pk"), 2)] == sorted(made)
    assert len(queries) == 3  # 2 + 2 + 1: the short chunk is the last
    assert all("LIMIT 2" in q["sql"] for q in queries.captured_queries)


def test_the_chain_audit_the_funder_report_and_the_anonymisation_run(batch):
    make_device(batch)
    assert chain_audit().checked >= 0
    # A funder's report is masked: its protection table reads the year's rows (.iterator()).
    funder = member(OrganisationFactory(kind=OrganisationKind.FUNDER), Role.READER)
    filters = FunderFilters.for_period(Period.parse(str(timezone.localdate().year)))
    report = funder_report_build(user=funder, filters=filters)
    assert report.masked and report.devices == "—"  # nothing handed over: hidden
    assert people_anonymise_inactive() == 0
