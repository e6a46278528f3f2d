"""The access log reads in the reader's language (issue 15, 'French done right': it said
'order', 'allocation', 'handover recap'): the detail is stored as a language-free code and
shown translated, old rows included."""

from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation

from beneficiaries import privacy
from beneficiaries.models import AuditLog
from beneficiaries.models.audit import detail_label
from tests.beneficiaries.conftest import mediator, person, structure  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "stored, french",
    [
        ("list", "liste des personnes"),
        ("edit", "formulaire de la personne"),
        ("order CMD-2026-0004", "commande CMD-2026-0004"),
        ("allocation", "fiche d'attribution"),
        ("handover recap", "récapitulatif de remise"),
        ("handover document", "document de remise"),
        ("receipt 2026-000012", "reçu 2026-000012"),
        ("session 12", "session de formation 12"),
        ("retention", "durée de conservation échue"),
        ("admin person 3", "back-office, personne : 3"),
        ("admin person list search", "back-office, personne : liste, avec une recherche"),
        ("date_from=2026-01-01", "date_from=2026-01-01"),  # a report's filter stays as is
        ("admin nosuchmodel 3", "admin nosuchmodel 3"),
    ],
)
def test_each_stored_detail_reads_in_french(stored, french):
    with translation.override("fr"):
        assert detail_label(stored) == french


def test_the_log_page_shows_french_words(client, coordinator):
    AuditLog.objects.create(action="view", detail="order CMD-2026-0004", username="m")
    AuditLog.objects.create(action="view", detail="allocation", username="m")
    client.force_login(coordinator)
    body = unescape(client.get(reverse("beneficiaries:audit_log")).content.decode())
    assert "commande CMD-2026-0004" in body and "fiche d'attribution" in body
    assert ">allocation<" not in body and "order CMD" not in body


def test_retention_is_stored_as_a_code_whatever_the_language(person):  # noqa: F811
    with translation.override("en"):
        privacy.person_anonymise(person=person)
    assert AuditLog.objects.get(action="anonymise").detail == "retention"
