"""Invitations: the coordination invites a person by e-mail to an organisation with a role;
the link works once, for 7 days."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from accounts.enums import OrganisationKind, Role
from accounts.models import Invitation, Membership, User
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db

STRONG = "tournesol-violet-42"


@pytest.fixture
def coordinator():
    return member(OrganisationFactory(kind=OrganisationKind.COORDINATION), Role.COORDINATOR)


@pytest.fixture
def structure():
    return OrganisationFactory(kind=OrganisationKind.MEDIATION, name="Les Acacias")


def invite(client, capture, coordinator, structure, email="nour@acacias.fr", role=Role.STAFF):
    """Invite through the screen; the path of the link the e-mail carries."""
    client.force_login(coordinator)
    with_mail = len(mail.outbox)
    with capture(execute=True):  # the mail leaves once the invitation is committed
        response = client.post(
            "/compte/invitations/", {"email": email, "organisation": structure.pk, "role": role}
        )
    assert response.status_code == 302
    assert len(mail.outbox) == with_mail + 1
    link = re.search(r"https?://\S+/compte/invitation/\S+/", mail.outbox[-1].body).group(0)
    client.logout()
    return urlsplit(link).path


def test_coordinator_invites_and_the_person_sets_a_password(
    client, coordinator, structure, django_capture_on_commit_callbacks
):
    path = invite(client, django_capture_on_commit_callbacks, coordinator, structure)
    message = mail.outbox[-1]
    assert message.to == ["nour@acacias.fr"]
    assert "Les Acacias" in message.body and "7 jours" in message.body

    page = client.get(path)
    assert page.status_code == 200
    assert "Les Acacias" in page.content.decode()
    response = client.post(
        path,
        {"first_name": "Nour", "last_name": "Benali", "password1": STRONG, "password2": STRONG},
    )
    assert response.status_code == 302
    user = User.objects.get(username="nour@acacias.fr")
    assert user.check_password(STRONG) and user.email == "nour@acacias.fr"
    assert Membership.objects.get(user=user).organisation == structure
    assert int(client.session["_auth_user_id"]) == user.pk
    # The link is spent.
    client.logout()
    again = client.get(path)
    assert again.status_code == 410
    assert "déjà été utilisée" in again.content.decode()


def test_weak_password_is_refused_with_no_account(
    client, coordinator, structure, django_capture_on_commit_callbacks
):
    path = invite(client, django_capture_on_commit_callbacks, coordinator, structure)
    response = client.post(
        path, {"first_name": "N", "last_name": "B", "password1": "court", "password2": "court"}
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="nour@acacias.fr").exists()
    assert Invitation.objects.get().accepted_at is None


def test_expired_link_says_so(client, coordinator, structure, django_capture_on_commit_callbacks):
    path = invite(client, django_capture_on_commit_callbacks, coordinator, structure)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    page = client.get(path)
    assert page.status_code == 410
    assert "a expiré" in page.content.decode()
    response = client.post(
        path, {"first_name": "N", "last_name": "B", "password1": STRONG, "password2": STRONG}
    )
    assert response.status_code == 410
    assert not User.objects.filter(username="nour@acacias.fr").exists()


def test_unknown_link(client):
    page = client.get("/compte/invitation/nimportequoi/")
    assert page.status_code == 410
    assert "pas valide" in page.content.decode()


def test_existing_account_joins_the_organisation_logged_in(
    client, coordinator, structure, django_capture_on_commit_callbacks
):
    workshop = OrganisationFactory()
    person = member(workshop, Role.TECHNICIAN, email="Camille@atelier.fr")
    path = invite(
        client,
        django_capture_on_commit_callbacks,
        coordinator,
        structure,
        email="camille@atelier.fr",
    )
    assert "Se connecter pour accepter" in client.get(path).content.decode()
    client.force_login(person)
    response = client.post(path)
    assert response.status_code == 302
    assert Membership.objects.filter(user=person, organisation=structure).exists()
    assert User.objects.filter(email__iexact="camille@atelier.fr").count() == 1


def test_someone_else_logged_in_cannot_take_an_existing_persons_invitation(
    client, coordinator, structure, django_capture_on_commit_callbacks
):
    member(OrganisationFactory(), Role.TECHNICIAN, email="camille@atelier.fr")
    intruder = member(OrganisationFactory(), Role.TECHNICIAN, email="autre@atelier.fr")
    path = invite(
        client,
        django_capture_on_commit_callbacks,
        coordinator,
        structure,
        email="camille@atelier.fr",
    )
    client.force_login(intruder)
    client.post(path)
    assert not Membership.objects.filter(organisation=structure).exists()
    assert Invitation.objects.get().accepted_at is None


@pytest.mark.parametrize("kind", [OrganisationKind.WORKSHOP, OrganisationKind.MEDIATION])
def test_only_the_coordination_invites(client, structure, kind):
    client.force_login(member(OrganisationFactory(kind=kind), Role.MANAGER))
    assert client.get("/compte/invitations/").status_code == 403
    response = client.post(
        "/compte/invitations/",
        {"email": "x@y.fr", "organisation": structure.pk, "role": Role.COORDINATOR},
    )
    assert response.status_code == 403
    assert Invitation.objects.count() == 0
    assert len(mail.outbox) == 0


def test_list_shows_status(client, coordinator, structure, django_capture_on_commit_callbacks):
    invite(client, django_capture_on_commit_callbacks, coordinator, structure)
    client.force_login(coordinator)
    page = client.get("/compte/invitations/").content.decode()
    assert "nour@acacias.fr" in page and "En attente jusqu’au" in page
