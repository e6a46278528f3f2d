"""A backup restored brings back the people erased since it was taken: the erasures are listed
from the access log and replayed on the restored database (docs/privacy.md)."""

import json

import pytest
from django.core import serializers
from django.core.management import call_command
from django.utils import timezone

from beneficiaries import privacy
from beneficiaries.models import AuditLog, Person
from tests.beneficiaries.conftest import mediator, person, structure  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def test_erasures_since_a_backup_are_replayed_after_restoring_it(
    tmp_path,
    coordinator,
    person,  # noqa: F811
    capsys,
):
    today = timezone.localdate().isoformat()
    backup = serializers.serialize("json", Person.objects.filter(pk=person.pk))  # the dump
    privacy.person_erase(person=person, user=coordinator)
    listing = tmp_path / "erasures.json"
    call_command("replay_erasures", "--since", today, "--export", str(listing))
    (entry,) = json.loads(listing.read_text())
    assert entry["person"] == person.pk and entry["by"] == "coord"
    assert "Traoré" not in listing.read_text() and "Awa" not in listing.read_text()
    # The restore: the row comes back with her name, the erasure's log line is gone.
    for obj in serializers.deserialize("json", backup):
        obj.save()
    AuditLog.objects.filter(action="erase").delete()
    person.refresh_from_db()
    assert person.last_name == "Traoré" and person.anonymised_at is None

    call_command("replay_erasures", "--since", today, "--from", str(listing))
    person.refresh_from_db()
    assert person.last_name == person.first_name == "" and person.anonymised_at
    assert person.reference == entry["pseudonym"]  # the same pseudonym as before the restore
    replayed = AuditLog.objects.get(action="erase")
    assert replayed.person == person and "replayed" in replayed.detail
    assert "1 erased again" in capsys.readouterr().out
    # Replaying twice changes nothing.
    call_command("replay_erasures", "--since", today, "--from", str(listing))
    assert "0 erased again, 1 already erased" in capsys.readouterr().out
    assert AuditLog.objects.filter(action="erase").count() == 1


def test_an_erasure_older_than_the_backup_is_not_replayed(tmp_path, person):  # noqa: F811
    listing = tmp_path / "erasures.json"
    listing.write_text(json.dumps([{"person": person.pk, "at": "2020-01-01T10:00:00+00:00"}]))
    call_command("replay_erasures", "--since", "2026-01-01", "--from", str(listing))
    person.refresh_from_db()
    assert person.last_name == "Traoré"


def test_an_erasure_just_after_midnight_in_paris_is_replayed(
    tmp_path,
    coordinator,
    person,  # noqa: F811
):
    """The backup's date is a local date: an erasure at 00:30 in Paris (23:30 UTC the day
    before) is after a backup of that day and must be replayed, not taken as in the backup."""
    import datetime

    backup = serializers.serialize("json", Person.objects.filter(pk=person.pk))
    privacy.person_erase(person=person, user=coordinator)
    AuditLog.objects.filter(action="erase").update(
        at=datetime.datetime(2026, 12, 7, 23, 30, tzinfo=datetime.UTC)
    )
    listing = tmp_path / "erasures.json"
    call_command("replay_erasures", "--since", "2026-12-08", "--export", str(listing))
    assert len(json.loads(listing.read_text())) == 1
    for obj in serializers.deserialize("json", backup):
        obj.save()
    AuditLog.objects.filter(action="erase").delete()
    call_command("replay_erasures", "--since", "2026-12-08", "--from", str(listing))
    person.refresh_from_db()
    assert person.last_name == "" and person.anonymised_at
