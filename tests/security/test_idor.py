"""IDOR: every detail, edit, PDF, download and write URL requested with the ids of objects
that belong to organisations the persona has nothing to do with (a third workshop, a second
mediation structure, a second funder: tests.security.world), by every persona but the
coordination (who sees everything by design). Each answer is 403 or 404 (the login page for
an anonymous visitor), shows none of those objects' data, and writes no row.

Run: .venv/bin/pytest tests/security/test_idor.py -q -p no:cacheprovider
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.permissions_matrix import ANON, COORDINATION, MATRIX, POST_ONLY
from tests.security.walk import (
    body_text,
    fingerprint,
    is_login_redirect,
    kwargs_for,
    post_data,
)
from tests.security.world import FOREIGN_MARKERS, PERSONAS, build_world

# URLs that point at an object (their arguments are ids), plus the API that takes a batch id
# in its body. Public links whose argument is a secret key (an invitation) are not about
# another organisation's objects: whoever holds the key is the one it was sent to.
OBJECT_URLS = {
    name: rule
    for name, rule in MATRIX.items()
    if (isinstance(rule.args, str) and not rule.public) or name == "api-hardware-report"
}
ATTACKERS = [p for p in PERSONAS if p not in COORDINATION]


def _refused(persona, response, allowed_statuses) -> bool:
    if persona == ANON:
        return is_login_redirect(response) or response.status_code in (401, 403)
    return response.status_code in allowed_statuses


def test_every_object_url_is_attacked():
    """Detail, edit, PDF and download URLs: the kinds the issue names are all there."""
    names = set(OBJECT_URLS)
    for expected in (
        "inventory:batch_detail",
        "inventory:batch_edit",
        "inventory:batch_labels",
        "inventory:device_label",
        "inventory:report_job_file",
        "reconditioning:device_certificate",
        "beneficiaries:receipt",
        "beneficiaries:handover_pdf",
        "beneficiaries:person_export",
        "device-detail",
    ):
        assert expected in names
    assert len(names) >= 40


@pytest.mark.django_db
def test_other_organisations_objects_are_out_of_reach(django_capture_on_commit_callbacks):
    world = build_world(django_capture_on_commit_callbacks)
    ids = world.foreign
    failures = []
    requests = 0
    for persona in ATTACKERS:
        client = Client()
        if persona != ANON:
            client.force_login(world.users[persona])
        before = fingerprint()
        for name, rule in OBJECT_URLS.items():
            url = reverse(name, kwargs=kwargs_for(rule, ids))
            attempts = []
            if rule.get != POST_ONLY:
                attempts.append(("GET", client.get(url), (403, 404)))
            if rule.post is not None:
                response = client.post(url, **post_data(name, ids))
                attempts.append(("POST", response, tuple({403, 404, *rule.refused_status})))
            for method, response, statuses in attempts:
                requests += 1
                problems = []
                if not _refused(persona, response, statuses):
                    problems.append(f"answered {response.status_code}")
                # Error pages and redirects too: a 403 page must not name the object.
                text = body_text(response) + response.get("Location", "")
                found = [m for m in FOREIGN_MARKERS if m in text]
                if found:
                    problems.append(f"shows {found}")
                after = fingerprint()
                if after != before:
                    problems.append(f"wrote rows in {before.changed(after)}")
                    before = after
                if problems:
                    failures.append(f"{method} {persona:<12} {name} {url}: {', '.join(problems)}")
    print(
        f"\nIDOR: {len(ATTACKERS)} personas x {len(OBJECT_URLS)} object URLs, "
        f"{requests} requests with another organisation's ids"
    )
    assert not failures, "\n" + "\n".join(failures)


@pytest.mark.django_db
def test_a_workshop_machine_token_reaches_only_its_workshop(django_capture_on_commit_callbacks):
    """The API's other way in: a machine token of the foreign workshop asks for Nanterre's
    devices and posts a hardware report into Nanterre's batch."""
    import json

    from accounts.models import Organisation
    from accounts.services import machine_token_create
    from tests.security.walk import HARDWARE_SAMPLES

    world = build_world(django_capture_on_commit_callbacks)
    workshop = Organisation.objects.get(name="Atelier Témoin Zéphyr")
    _token, key = machine_token_create(workshop=workshop, label="PC Zéphyr")
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    own = world.own
    assert client.get(f"/api/devices/{own['device']}/").status_code == 404
    listing = client.get("/api/devices/")
    assert listing.status_code == 200
    assert "DEMO00" not in listing.content.decode()
    assert "ZEPHYR0001" in listing.content.decode()  # its own devices, to show it answers
    before = fingerprint()
    report = json.loads((HARDWARE_SAMPLES / "lshw_thinkpad_t480.json").read_text())
    response = client.post(
        "/api/hardware-reports/",
        json.dumps({"lshw": report, "batch": own["batch"]}),
        content_type="application/json",
    )
    assert response.status_code in (400, 403, 404)
    assert fingerprint().changed(before) == []
    # The screens do not accept the token: it is for the API only.
    assert client.get(f"/appareils/{world.foreign['device']}/").status_code == 302
