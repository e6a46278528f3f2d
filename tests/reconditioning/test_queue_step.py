"""Every device waiting in the work queue is reachable: a step shows its 25 longest waits,
then "see all" opens that step alone, paged (a persona walk found a batch of 40 received
devices whose last 15 the queue could not show: "filter to see the others", while filtered)."""

import re

import pytest
from django.urls import reverse

from inventory.models import Device
from tests.factories import make_batch, make_device

pytestmark = pytest.mark.django_db


def tags(body: str) -> list[str]:
    table = body.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in body else ""
    return re.findall(r"FL\d{7}", table)


def test_a_step_opens_alone_and_pages_to_its_last_device(tech_client, workshop, technician):
    batch = make_batch(workshop, user=technician)
    make_batch(workshop, user=technician)  # another batch: the filter stays on
    for _ in range(60):
        make_device(batch, user=technician)
    url = reverse("reconditioning:queue")
    grouped = tech_client.get(url, {"batch": batch.pk}).content.decode()
    assert len(tags(grouped)) == 25
    link = re.search(r'href="(\?[^"]*step=diagnosed[^"]*)"', grouped)
    assert link, "no link to the whole step"
    href = link.group(1).replace("&amp;", "&")
    assert f"batch={batch.pk}" in href
    first = tech_client.get(url + href).content.decode()
    assert "Page 1 sur 2" in first and len(tags(first)) == 50
    second = tech_client.get(url + href + "&page=2").content.decode()
    seen = set(tags(first)) | set(tags(second))
    assert seen == set(Device.objects.filter(batch=batch).values_list("asset_tag", flat=True))
    # One step only, and a way back to every step.
    assert "Nothing waiting" not in first and "Rien en attente" not in first
    assert first.count('<section class="card">') == 1
    assert re.search(r'href="\?batch=\d+"', first)


def test_an_unknown_step_shows_every_step(tech_client, batch, technician):
    make_device(batch, user=technician)
    body = tech_client.get(reverse("reconditioning:queue"), {"step": "nope"}).content.decode()
    assert body.count('<section class="card">') == 4


def test_a_diagnosed_fault_is_named_in_the_history_by_its_label(batch, technician):
    """The device's history said "Défauts : battery", the checklist key (persona walk)."""
    from django.utils import translation

    from inventory.models import DeviceEvent
    from reconditioning import services

    device = make_device(batch, user=technician)
    from reconditioning.checklists import checks_for

    results = {key: "ok" for key, _label in checks_for("laptop")}
    results |= {"battery": "fault", "screen": "fault"}
    with translation.override("fr"):
        services.diagnosis_record(device=device, user=technician, results=results)
    note = DeviceEvent.objects.filter(device=device).latest("id").note
    assert note == "Défauts : Écran (pas de pixels morts, charnières), La batterie tient la charge"


def test_the_bulk_step_menu_has_one_system_step_offering_systems_for_the_batch(
    tech_client, batch, technician
):
    """« Système installé » was a plain step that refused every device (the install must be
    recorded), next to the working « Installer un système »; and phones' systems were offered
    for laptops (persona walk)."""
    for _ in range(3):
        make_device(batch, user=technician, device_type="laptop")
    body = tech_client.get(reverse("reconditioning:batch_steps", args=[batch.pk])).content
    page = body.decode()
    step = page.split('name="step"')[1].split("</select>")[0]
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', step)
    assert [v for v, _label in options] == ["", "diagnosed", "erased", "os", "ready"]
    assert dict(options)["os"] == "Système installé"
    systems = page.split('name="system"')[1].split("</select>")[0]
    assert "Linux Mint" in systems and "/e/OS" not in systems and "LineageOS" not in systems
