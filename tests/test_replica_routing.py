"""Reports read the replica, everything else the primary (core.db, docs/scaling.md).

A second alias, "replica", is added for this module on the test database itself (what
TEST["MIRROR"] does when DATABASE_REPLICA_URL is set), with the router installed: the queries
each connection runs are captured apart. Tests are transactional: the replica is another
connection and sees only committed rows.
"""

import copy

import pytest
from django.core.management import call_command
from django.db import connections, router
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from core.db import REPLICA, on_primary, reading_replica, writes_forget
from inventory.models import CollectionBatch, Device
from reports.models import ReportJob
from tests.factories import DonorFactory, make_device

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup, django_db_blocker):
    """Module-scoped, so it runs before the database marker checks the aliases."""
    settings_dict = copy.deepcopy(connections["default"].settings_dict)
    settings_dict.update(ATOMIC_REQUESTS=False, TEST={**settings_dict["TEST"], "MIRROR": "default"})
    connections.settings[REPLICA] = settings_dict
    with override_settings(DATABASE_ROUTERS=["core.db.ReplicaRouter"]):
        yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


class Queries:
    """The SQL each alias ran during the block."""

    def __enter__(self):
        self._contexts = {a: CaptureQueriesContext(connections[a]) for a in ("default", REPLICA)}
        for context in self._contexts.values():
            context.__enter__()
        return self

    def __exit__(self, *exc):
        for context in self._contexts.values():
            context.__exit__(*exc)
        self.default = [q["sql"] for q in self._contexts["default"].captured_queries]
        self.replica = [q["sql"] for q in self._contexts[REPLICA].captured_queries]


def touching(sqls, table):
    return [sql for sql in sqls if f'"{table}"' in sql]


def test_stock_report_reads_the_replica(tech_client, batch):
    for _ in range(3):
        make_device(batch)
    with Queries() as queries:
        page = tech_client.get(reverse("inventory:stock_report"))
    assert page.status_code == 200
    assert touching(queries.replica, "inventory_device")
    # Only the login (session, user, before the view) reads the primary.
    assert not touching(queries.default, "inventory_device")
    assert not [sql for sql in queries.replica if not sql.lstrip().upper().startswith("SELECT")]


def test_supply_page_and_device_export_read_the_replica(client, coordinator, tech_client, batch):
    make_device(batch)
    with Queries() as queries:
        export = tech_client.get(reverse("inventory:device_list"), {"export": "csv"})
    assert export.status_code == 200 and b"ThinkPad" in export.content
    assert touching(queries.replica, "inventory_device")
    client.force_login(coordinator)
    with Queries() as queries:
        assert client.get(reverse("beneficiaries:supply")).status_code == 200
    assert queries.replica and not touching(queries.default, "inventory_device")


def test_the_device_list_itself_reads_the_primary(tech_client, batch):
    make_device(batch)
    with Queries() as queries:
        assert tech_client.get(reverse("inventory:device_list")).status_code == 200
    assert touching(queries.default, "inventory_device") and not queries.replica


def test_a_write_view_never_touches_the_replica(tech_client, workshop):
    call_command("loaddata", "territories_92", verbosity=0)
    donor = DonorFactory(workshop=workshop)
    with Queries() as queries:
        response = tech_client.post(
            reverse("inventory:batch_create"),
            {"donor": donor.pk, "collected_on": "2026-11-20", "commune_insee": "92050"},
        )
    assert response.status_code == 302 and CollectionBatch.objects.count() == 1
    assert queries.replica == []
    assert [sql for sql in queries.default if sql.startswith("INSERT")]


def test_a_report_job_reads_the_replica_and_writes_its_progress_on_the_primary(tech_client, batch):
    make_device(batch)
    with Queries() as queries:
        tech_client.post(reverse("inventory:stock_report_request"), {"fmt": "xlsx"})
    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.DONE  # eager task, run at the request's commit
    assert touching(queries.replica, "inventory_device")
    writes = [sql for sql in queries.default if sql.startswith(("INSERT", "UPDATE"))]
    assert any('"inventory_reportjob"' in sql for sql in writes)
    # The job's own rows (claim, progress, done) are read and written on the primary.
    assert not touching(queries.replica, "inventory_reportjob")


def test_after_a_write_the_scope_reads_the_primary(batch):
    """Writes then reads: the replica may not have the row yet, so the primary answers."""
    writes_forget()  # as a task starts (the fixtures above wrote: they would read the primary)
    with Queries() as queries, reading_replica():
        assert Device.objects.filter(batch=batch).count() == 0  # nothing written yet: replica
        CollectionBatch.objects.filter(pk=batch.pk).update(declared_quantity=3)
        assert CollectionBatch.objects.get(pk=batch.pk).declared_quantity == 3
        assert Device.objects.filter(batch=batch).count() == 0
    assert len(touching(queries.replica, "inventory_device")) == 1
    assert len(touching(queries.default, "inventory_device")) == 1
    assert not touching(queries.replica, "inventory_collectionbatch")


def test_bookkeeping_on_the_primary_keeps_the_report_on_the_replica(batch):
    job = ReportJob.objects.create(kind="stock", fmt="pdf")
    writes_forget()
    with Queries() as queries, reading_replica():
        with on_primary():
            ReportJob.objects.filter(pk=job.pk).update(progress=50)
        assert Device.objects.filter(batch=batch).count() == 0
    assert touching(queries.replica, "inventory_device") and not touching(
        queries.replica, "inventory_reportjob"
    )


def test_what_the_task_wrote_before_the_scope_keeps_it_on_the_primary(batch):
    writes_forget()
    make_device(batch)
    with Queries() as queries, reading_replica():
        assert Device.objects.count() == 1
    assert queries.replica == []


def test_outside_a_scope_and_after_it_everything_reads_the_primary(batch):
    with Queries() as queries:
        Device.objects.count()
        with reading_replica():
            pass
        CollectionBatch.objects.count()
    assert queries.replica == [] and len(queries.default) == 2


def test_migrations_only_on_the_primary():
    assert router.allow_migrate("default", "inventory")
    assert not router.allow_migrate(REPLICA, "inventory")
