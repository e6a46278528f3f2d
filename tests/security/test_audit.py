"""The access log: who viewed or exported personal data, readable by the coordination only."""

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from beneficiaries.models import AuditLog
from tests.beneficiaries.conftest import (  # noqa: F401  (fixtures)
    mediator,
    other_mediator,
    other_structure,
    person,
    structure,
)
from tests.reports.test_funder_report import PERIOD, funded  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_viewing_a_person_is_logged_with_who_and_organisation(client, person, mediator):  # noqa: F811
    client.force_login(mediator)
    assert client.get(person.get_absolute_url()).status_code == 200
    entry = AuditLog.objects.get()
    assert (entry.action, entry.person, entry.user, entry.username) == (
        "view",
        person,
        mediator,
        "med",
    )
    assert entry.organisation == person.structure


def test_a_refused_view_is_not_logged_as_a_view(client, person, other_mediator):  # noqa: F811
    client.force_login(other_mediator)
    assert client.get(person.get_absolute_url()).status_code == 404
    assert not AuditLog.objects.exists()


def test_report_rows_naming_people_are_logged(client, coordinator, funded):  # noqa: F811
    client.force_login(coordinator)
    query = {"from": PERIOD.date_from.isoformat(), "to": PERIOD.date_to.isoformat()}
    assert client.get(reverse("beneficiaries:allocation_rows"), query).status_code == 200
    entry = AuditLog.objects.get()
    assert entry.action == "rows" and PERIOD.date_from.isoformat() in entry.detail
    # Rows of structures only name nobody: nothing to log.
    client.get(reverse("beneficiaries:allocation_rows"), {**query, "category": "structures"})
    assert AuditLog.objects.count() == 1


def test_coordinators_read_and_filter_the_log(client, coordinator, person, mediator):  # noqa: F811
    client.force_login(mediator)
    client.get(person.get_absolute_url())
    client.force_login(coordinator)
    client.get(reverse("beneficiaries:person_export", args=[person.pk]))
    url = reverse("beneficiaries:audit_log")
    page = client.get(url).content.decode()
    assert page.count("<tr>") == 3  # header, the view, the export
    exports = client.get(url, {"action": "export"}).content.decode()
    assert exports.count("<tr>") == 2 and "coord" in exports
    by_who = client.get(url, {"who": "med"}).content.decode()
    assert by_who.count("<tr>") == 2
    assert client.get(url, {"person": person.pk, "from": "2000-01-01"}).status_code == 200


def test_the_log_is_for_the_coordination_only(client, mediator, person):  # noqa: F811
    client.force_login(mediator)
    assert client.get(reverse("beneficiaries:audit_log")).status_code == 403


def test_the_log_is_read_only_in_the_admin(client, person, admin_user):  # noqa: F811
    from beneficiaries.privacy import audit

    entry = audit(user=admin_user, action="view", person=person)
    model_admin = site._registry[AuditLog]
    client.force_login(admin_user)
    assert client.get(reverse("admin:beneficiaries_auditlog_changelist")).status_code == 200
    request = client.get("/").wsgi_request
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    delete = reverse("admin:beneficiaries_auditlog_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_the_log_is_kept_one_year(person, mediator):  # noqa: F811
    import datetime

    from django.utils import timezone

    from beneficiaries.privacy import audit, audit_log_purge

    old = audit(user=mediator, action="view", person=person)
    recent = audit(user=mediator, action="view", person=person)
    AuditLog.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=366))
    assert audit_log_purge() == 1
    assert list(AuditLog.objects.values_list("pk", flat=True)) == [recent.pk]


def test_a_person_read_in_the_back_office_is_logged(client, person, admin_user):  # noqa: F811
    client.force_login(admin_user)
    url = reverse("admin:beneficiaries_person_change", args=[person.pk])
    assert client.get(url).status_code == 200
    entry = AuditLog.objects.get()
    assert (entry.action, entry.person, entry.detail) == (
        "view",
        person,
        f"admin person {person.pk}",
    )
