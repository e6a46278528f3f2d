"""Records state only what somebody checked: every checklist item and quality criterion starts
unanswered, an empty submission records nothing and says what is missing, and "all OK" is an
explicit button that answers only the items left unanswered."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from inventory.enums import DeviceStatus as S
from reconditioning import services
from reconditioning.checklists import QA_CRITERIA, checks_for
from reconditioning.demo import walk_to
from reconditioning.models import Diagnosis, QualityCheck
from tests.factories import make_device

pytestmark = pytest.mark.django_db


def step_url(device, step):
    return reverse("reconditioning:device_step", args=[device.pk, step])


@pytest.fixture
def laptop(batch, technician):
    return make_device(batch, user=technician, serial_number="LAP-UNCHECKED")


def test_no_checklist_item_comes_pre_answered(tech_client, laptop):
    page = tech_client.get(step_url(laptop, "diagnostic")).content.decode()
    assert 'name="check_screen"' in page or 'name="check_' in page
    assert "checked" not in page.split("<table", 1)[1].split("</table>", 1)[0]


def test_an_empty_diagnosis_records_nothing_and_says_what_is_missing(tech_client, laptop):
    response = tech_client.post(step_url(laptop, "diagnostic"), {"expected_status": "received"})
    assert response.status_code == 200
    assert "Répondez à cet élément." in response.content.decode()
    laptop.refresh_from_db()
    assert laptop.status == S.RECEIVED and not Diagnosis.objects.exists()


def test_all_ok_answers_only_the_items_left_unanswered(tech_client, laptop):
    first = checks_for("laptop")[0][0]
    response = tech_client.post(
        step_url(laptop, "diagnostic"),
        {"expected_status": "received", f"check_{first}": "fault", "all_ok": "1"},
    )
    assert response.status_code == 302
    diagnosis = Diagnosis.objects.get()
    assert diagnosis.results[first] == "fault"
    assert all(v == "ok" for k, v in diagnosis.results.items() if k != first)
    assert len(diagnosis.results) == len(checks_for("laptop"))


def test_an_empty_quality_check_records_no_failure(tech_client, laptop, technician):
    walk_to(laptop, S.OS_INSTALLED, technician)
    page = tech_client.get(step_url(laptop, "controle")).content.decode()
    assert 'name="qa_boots_os"' in page and 'value="yes"' in page
    response = tech_client.post(
        step_url(laptop, "controle"), {"expected_status": "os_installed", "grade": "B"}
    )
    assert response.status_code == 200
    assert "Répondez à ce critère." in response.content.decode()
    assert not QualityCheck.objects.filter(device=laptop).exists()
    laptop.refresh_from_db()
    assert laptop.status == S.OS_INSTALLED


def test_a_quality_check_with_a_no_is_a_recorded_failure(tech_client, laptop, technician):
    walk_to(laptop, S.OS_INSTALLED, technician)
    answers = {f"qa_{k}": "yes" for k, _l in QA_CRITERIA}
    answers["qa_network"] = "no"
    response = tech_client.post(
        step_url(laptop, "controle"), {**answers, "expected_status": "os_installed"}
    )
    assert response.status_code == 302
    check = QualityCheck.objects.get(device=laptop)
    assert not check.passed and check.results["network"] is False
    laptop.refresh_from_db()
    assert laptop.status == S.OS_INSTALLED


def test_the_service_refuses_a_partial_quality_check(laptop, technician):
    walk_to(laptop, S.OS_INSTALLED, technician)
    with pytest.raises(ValidationError) as refused:
        services.quality_check_record(
            device=laptop, user=technician, results={"boots_os": True}, grade="A"
        )
    assert "network" in str(refused.value).lower() or "réseau" in str(refused.value).lower()
    assert not QualityCheck.objects.filter(device=laptop).exists()
