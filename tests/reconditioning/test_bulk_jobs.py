"""A bulk step on more devices than FILIERE_BULK_SYNC_MAX runs as a job with a progress bar
(issue 14): every device checked first, then all recorded at once; a fault writes nothing."""

import html
from datetime import timedelta

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from accounts.enums import OrganisationKind, Role
from core.jobs import jobs_sweep
from inventory.enums import DeviceStatus as S
from reconditioning import bulk_steps
from reconditioning.demo import walk_to
from reconditioning.enums import BulkJobStatus
from reconditioning.models import BulkStepJob, Diagnosis, ErasureRecord
from tests.factories import OrganisationFactory, make_device, member
from tests.reconditioning.test_bulk_evidence import SESSION, received_yesterday, this_morning

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.FILIERE_BULK_SYNC_MAX = 5


@pytest.fixture
def laptops(batch, technician):
    return received_yesterday(
        [
            make_device(batch, user=technician, ram_mb=8192, drives=[{"capacity_gb": 256}])
            for _ in range(8)
        ]
    )


def post(client, batch, data, capture):
    with capture(execute=True):
        return client.post(reverse("reconditioning:batch_steps", args=[batch.pk]), data)


def test_a_large_diagnosis_runs_as_a_job_and_records_every_device(
    tech_client, batch, laptops, django_capture_on_commit_callbacks
):
    data = {
        "step": "diagnosed",
        "type": "laptop",
        "all_ok": "1",
        "devices": [d.pk for d in laptops],
    }
    response = post(tech_client, batch, data, django_capture_on_commit_callbacks)
    job = BulkStepJob.objects.get()
    assert response.url == reverse("reconditioning:bulk_job", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.total, job.checked) == (BulkJobStatus.DONE, 8, 8)
    assert job.progress_pct == 100 and "csrfmiddlewaretoken" not in job.data
    assert Diagnosis.objects.count() == 8
    assert {d.status for d in batch.devices.all()} == {S.DIAGNOSED}
    page = tech_client.get(response.url).content.decode()
    assert "8 appareils mis à jour" in page and "hx-trigger" not in page  # no more polling


def test_a_fault_found_while_checking_writes_nothing_and_lists_the_device(
    tech_client, batch, laptops, technician, django_capture_on_commit_callbacks
):
    ahead = walk_to(laptops[0], S.OS_INSTALLED, technician)
    before = ErasureRecord.objects.count()
    data = {"step": "erased", "devices": [d.pk for d in laptops], **SESSION, **this_morning()}
    response = post(tech_client, batch, data, django_capture_on_commit_callbacks)
    job = BulkStepJob.objects.get()
    assert job.status == BulkJobStatus.FAILED and job.checked == 8
    assert [tag for _pk, tag, _m in job.faults] == [ahead.asset_tag]
    assert ErasureRecord.objects.count() == before
    page = tech_client.get(response.url).content.decode()
    assert ahead.asset_tag in page.split('id="faults"')[1].split("</ul>")[0]
    assert "Rien n'a été modifié" in html.unescape(page)


def test_the_page_polls_while_the_job_runs(tech_client, batch, laptops, technician):
    job = BulkStepJob.objects.create(
        workshop_id=batch.workshop_id,
        batch=batch,
        created_by=technician,
        step="diagnosed",
        status=BulkJobStatus.CHECKING,
        total=2000,
        checked=500,
    )
    url = reverse("reconditioning:bulk_job", args=[job.pk])
    page = tech_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="22"' in page  # 90 % × 500 / 2000
    assert "500 sur 2000 appareils vérifiés" in page


def test_a_task_delivered_twice_records_once(batch, laptops, technician):
    data = {
        "step": "diagnosed",
        "type": "laptop",
        "all_ok": "1",
        "devices": [d.pk for d in laptops],
    }
    posted = QueryDict(mutable=True)
    for key, value in data.items():
        posted.setlist(key, [str(v) for v in value] if isinstance(value, list) else [value])
    job = bulk_steps.bulk_job_create(batch=batch, user=technician, data=posted)
    bulk_steps.bulk_job_run(job_id=job.pk)
    bulk_steps.bulk_job_run(job_id=job.pk)
    assert Diagnosis.objects.count() == 8


def test_another_workshop_cannot_read_the_job(client, batch, laptops, technician):
    job = BulkStepJob.objects.create(
        workshop_id=batch.workshop_id, batch=batch, created_by=technician, step="diagnosed"
    )
    other = member(OrganisationFactory(kind=OrganisationKind.WORKSHOP), Role.TECHNICIAN)
    client.force_login(other)
    assert client.get(reverse("reconditioning:bulk_job", args=[job.pk])).status_code == 404


def test_the_sweep_fails_a_job_stuck_while_recording(batch, technician):
    job = BulkStepJob.objects.create(
        workshop_id=batch.workshop_id,
        batch=batch,
        created_by=technician,
        step="diagnosed",
        status=BulkJobStatus.RECORDING,
    )
    BulkStepJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=2))
    jobs_sweep()
    job.refresh_from_db()
    assert job.status == BulkJobStatus.FAILED and "rien n'a été modifié" in job.message
