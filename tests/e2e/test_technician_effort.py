"""The technician's effort at batch scale (issue 14), counted in a real Chromium: a batch of 40
identical laptops received by scanning, then taken to "ready" with one submission per step on
the bulk page. Every request the browser sends is counted: form submissions and scans apart.
The server time of each bulk step is read from the browser's own timing.

FILIERE_EFFORT_LOG=1 prints the counts and times (docs/benchmarks.md quotes them)."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from inventory.enums import DeviceStatus as S
from inventory.models import CollectionBatch, Device, DeviceEvent
from reconditioning.models import OperatingSystem
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

N = 40
MAX_SUBMISSIONS = 10


class Counter:
    """Form submissions (navigations that POST or GET a form) and scans (the intake page's
    background POSTs), with the server time of each bulk step."""

    def __init__(self, page, base):
        self.base = base
        self.submissions: list[str] = []
        self.scans = 0
        self.bulk_ms: list[tuple[str, float]] = []
        page.on("request", self.on_request)
        page.on("requestfinished", self.on_finished)

    def on_request(self, request):
        if not request.url.startswith(self.base) or request.method != "POST":
            return
        if "/saisie/" in request.url and not request.is_navigation_request():
            self.scans += 1
        else:
            self.submissions.append(request.url.removeprefix(self.base))

    def on_finished(self, request):
        showing = "show=1" in (request.post_data or "")  # the step's form, nothing recorded
        if request.method == "POST" and "/etapes/" in request.url and not showing:
            timing = request.timing
            self.bulk_ms.append((_step(request), timing["responseStart"] - timing["requestStart"]))


def _step(request) -> str:
    body = request.post_data or ""
    for part in body.split("&"):
        if part.startswith("step="):
            return part[5:]
    return "?"


def test_forty_laptops_from_reception_to_ready_in_few_submissions(
    live_server, browser_page, seeded
):
    page, base = browser_page, live_server.url
    login(page, base, "technicien")
    count = Counter(page, base)

    # Reception: the batch, then 40 scans on the intake page.
    page.goto(f"{base}/lots/nouveau/")
    page.locator("[name=donor]").select_option(index=1)
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(f"{base}/lots/*/saisie/")  # straight to the scans
    batch = CollectionBatch.objects.order_by("-pk").first()
    page.get_by_label("Type").select_option("laptop")
    page.get_by_label("Fabricant").fill("Lenovo")
    page.get_by_label("Modèle").fill("ThinkPad T480")
    page.locator("[name=ram]").fill("8 Go")
    page.get_by_label("Stockage").fill("256 Go SSD")
    for i in range(N):
        serial = page.get_by_label("Numéro de série")
        serial.fill(f"PF1EFF{i:03d}")
        serial.press("Enter")
        page.locator("#recent tbody tr", has_text=f"PF1EFF{i:03d}").wait_for()
    assert batch.devices.count() == N
    # The erasure station works overnight: the devices were received "yesterday".
    DeviceEvent.objects.filter(device__batch=batch).update(at=timezone.now() - timedelta(days=1))
    start = timezone.localtime() - timedelta(hours=3)

    steps = f"{base}/lots/{batch.pk}/etapes/"
    page.goto(f"{steps}?step=diagnosed")

    def apply(button, step):
        with page.expect_navigation():
            button.click()
        done = page.get_by_text(f"{N} appareils mis à jour")
        errors = page.locator(".flash-bad, .errorlist, [role=alert]").all_inner_texts()
        assert done.count() == 1, (step, errors)

    def select_all():
        page.get_by_role("checkbox", name="Tout sélectionner").check()

    # Diagnosis: one checklist, every item OK.
    select_all()
    apply(page.get_by_role("button", name="Appliquer, tout élément sans réponse OK"), "diagnosed")

    def show(step):
        page.locator("#bulk-step").select_option(step)
        with page.expect_navigation():
            page.get_by_role("button", name="Afficher le formulaire de cette étape").click()

    # Erasure: one session for every drive.
    show("erased")
    page.locator("[name=sanitization]").select_option("overwrite")
    page.locator("[name=nist_level]").select_option("clear")
    page.locator("[name=tool]").fill("nwipe")
    page.locator("[name=verification]").select_option("last")
    page.locator("[name=result]").select_option("passed")
    page.locator("[name=started_at]").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.locator("[name=ended_at]").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    select_all()
    apply(page.get_by_role("button", name="Appliquer", exact=True), "erased")

    # The system, then one quality check and grade.
    show("os")
    mint = OperatingSystem.objects.get(name="Linux Mint", version="22.2 Cinnamon")
    page.locator("[name=system]").select_option(str(mint.pk))
    select_all()
    apply(page.get_by_role("button", name="Appliquer", exact=True), "os")
    show("ready")
    page.get_by_role("radio", name="A").first.check()
    select_all()
    apply(page.get_by_role("button", name="Appliquer, tout élément sans réponse OK"), "ready")

    statuses = set(Device.objects.filter(batch=batch).values_list("status", flat=True))
    assert statuses == {S.READY}
    assert count.scans == N
    assert len(count.submissions) <= MAX_SUBMISSIONS, count.submissions
    assert len(count.bulk_ms) == 4 and all(ms > 0 for _s, ms in count.bulk_ms)
    if os.environ.get("FILIERE_EFFORT_LOG"):
        print(f"\nscans: {count.scans}; form submissions: {len(count.submissions)}")
        print(*count.submissions, sep="\n  ")
        for step, ms in count.bulk_ms:
            print(f"bulk step {step} on {N} laptops: {ms:.0f} ms server time")
