"""The accessibility statement RGAA asks for: public, linked from every page's footer, with
the compliance status, the tools and pages of the checks, a contact and the remedies."""

import pytest
from django.urls import reverse

from core.accessibility import AUDIT

pytestmark = pytest.mark.django_db


def test_statement_is_public_and_says_what_rgaa_expects(client):
    response = client.get(reverse("accessibility"))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'lang="fr"' in text
    for needed in [
        "RGAA",
        "4.1",
        AUDIT["axe_core"],
        AUDIT["browser"],
        "Défenseur des droits",
        "Libre réponse 71120",
        "mailto:",
    ]:
        assert needed in text, needed


def test_every_page_links_to_the_statement(client, technician):
    statement = reverse("accessibility")
    assert f'href="{statement}"' in client.get(reverse("login")).content.decode()
    client.force_login(technician)
    assert f'href="{statement}"' in client.get(reverse("home")).content.decode()
