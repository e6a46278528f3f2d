"""ProConnect end to end against a local OpenID Connect provider (tests/accounts/oidc_provider.py):
the browser's redirects are followed by hand, the client's back-channel calls (token, JWKS,
userinfo) reach the provider over HTTP on 127.0.0.1."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import override_settings

from accounts.enums import OrganisationKind, Role
from accounts.models import Invitation, Membership, User
from accounts.services import invitation_create
from tests.accounts.oidc_provider import LocalOIDCProvider
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    with LocalOIDCProvider() as running, override_settings(**running.settings()):
        yield running


def login_with_proconnect(client, provider, identity: dict, next_url: str = ""):
    provider.identity = identity
    start = client.get("/connexion/proconnect/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    authorize = start["Location"]
    assert authorize.startswith(provider.issuer + "/authorize?")
    answer = requests.get(authorize, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    assert back.path == "/connexion/proconnect/retour/"
    return client.get(back.path, {k: v[0] for k, v in parse_qs(back.query).items()})


def test_known_email_logs_in_as_that_user(client, provider):
    structure = OrganisationFactory(kind=OrganisationKind.MEDIATION, name="Les Acacias")
    agent = member(structure, Role.STAFF, email="Agent.Public@Mairie.fr")
    users_before = User.objects.count()

    response = login_with_proconnect(
        client, provider, {"sub": "pc-1", "email": "agent.public@mairie.fr", "given_name": "A"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == agent.pk
    assert client.get("/").status_code == 200
    assert User.objects.count() == users_before
    # The authorization asked for ProConnect's scopes and level, with a nonce.
    grant_paths = [p for p in provider.requests if p in ("/token", "/jwks", "/userinfo")]
    assert {"/token", "/jwks", "/userinfo"} <= set(grant_paths)


def test_next_page_is_kept(client, provider):
    structure = OrganisationFactory(kind=OrganisationKind.MEDIATION)
    member(structure, Role.STAFF, email="agent@mairie.fr")
    response = login_with_proconnect(
        client, provider, {"email": "agent@mairie.fr"}, next_url="/compte/mot-de-passe/"
    )
    assert response["Location"] == "/compte/mot-de-passe/"


def test_unknown_email_gets_the_invitation_page_and_no_user(client, provider):
    users_before = User.objects.count()

    response = login_with_proconnect(client, provider, {"email": "inconnue@prefecture.gouv.fr"})

    assert response.status_code == 302
    assert response["Location"] == "/connexion/proconnect/inconnu/"
    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "inconnue@prefecture.gouv.fr" in text
    assert "invit" in text.lower() and "coordination" in text
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users_before


def test_inactive_or_machine_account_is_not_logged_in(client, provider):
    workshop = OrganisationFactory()
    member(workshop, Role.TECHNICIAN, email="parti@atelier.fr", is_active=False)
    response = login_with_proconnect(client, provider, {"email": "parti@atelier.fr"})
    assert response["Location"] == "/connexion/proconnect/inconnu/"
    assert "_auth_user_id" not in client.session


def test_unverified_email_is_refused(client, provider):
    structure = OrganisationFactory(kind=OrganisationKind.MEDIATION)
    member(structure, Role.STAFF, email="agent@mairie.fr")
    response = login_with_proconnect(
        client, provider, {"email": "agent@mairie.fr", "email_verified": False}
    )
    assert response["Location"] == "/connexion/"
    assert "_auth_user_id" not in client.session


def test_pending_invitation_is_accepted_by_the_first_proconnect_login(client, provider):
    coordination = OrganisationFactory(kind=OrganisationKind.COORDINATION)
    coordinator = member(coordination, Role.COORDINATOR)
    structure = OrganisationFactory(kind=OrganisationKind.MEDIATION, name="Les Acacias")
    invitation, _key = invitation_create(
        by=coordinator, email="nouvelle@mairie.fr", organisation=structure, role=Role.STAFF
    )

    response = login_with_proconnect(
        client,
        provider,
        {"email": "nouvelle@mairie.fr", "given_name": "Nour", "usual_name": "Benali"},
    )

    assert response["Location"] == "/"
    user = User.objects.get(email="nouvelle@mairie.fr")
    assert (user.first_name, user.last_name) == ("Nour", "Benali")
    assert not user.has_usable_password()
    assert Membership.objects.filter(user=user, organisation=structure, role=Role.STAFF).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_by == user


def test_a_replayed_callback_logs_nobody_in(client, provider):
    structure = OrganisationFactory(kind=OrganisationKind.MEDIATION)
    member(structure, Role.STAFF, email="agent@mairie.fr")
    provider.identity = {"email": "agent@mairie.fr"}
    start = client.get("/connexion/proconnect/")
    answer = requests.get(start["Location"], allow_redirects=False, timeout=5)
    back = urlsplit(answer.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(back.query).items()}
    other = type(client)()
    # Another browser (no state in its session) bringing the code back is refused.
    response = other.get(back.path, query)
    assert response.status_code == 302
    assert "_auth_user_id" not in other.session


def test_login_page_shows_the_button_when_configured(client, provider):
    page = client.get("/connexion/").content.decode()
    assert "S’identifier avec" in page
    assert "ProConnect" in page
    assert "https://www.proconnect.gouv.fr/" in page
    assert 'href="/connexion/proconnect/"' in page
    with_next = client.get("/connexion/?next=/compte/mot-de-passe/").content.decode()
    assert 'href="/connexion/proconnect/?next=/compte/mot-de-passe/"' in with_next


def test_off_when_not_configured(client):
    # The default settings of the tests: no client id nor secret.
    page = client.get("/connexion/").content.decode()
    assert "ProConnect" not in page
    assert client.get("/connexion/proconnect/").status_code == 404
    assert client.get("/connexion/proconnect/retour/?code=x&state=y").status_code == 404
    assert client.get("/connexion/proconnect/inconnu/").status_code == 404
    assert Invitation.objects.count() == 0


def test_logout_ends_the_proconnect_session_too(client, provider):
    structure = OrganisationFactory(kind=OrganisationKind.MEDIATION)
    member(structure, Role.STAFF, email="agent@mairie.fr")
    login_with_proconnect(client, provider, {"email": "agent@mairie.fr"})

    response = client.post("/deconnexion/")

    assert response.status_code == 302
    end = urlsplit(response["Location"])
    assert f"{end.scheme}://{end.netloc}{end.path}" == provider.issuer + "/session/end"
    query = {k: v[0] for k, v in parse_qs(end.query).items()}
    assert query["post_logout_redirect_uri"] == "http://testserver/connexion/"
    assert query["id_token_hint"].count(".") == 2  # the id_token ProConnect gave
    assert "_auth_user_id" not in client.session


def test_local_logout_stays_local(client, provider):
    user = member(OrganisationFactory(), Role.TECHNICIAN)
    client.force_login(user)
    response = client.post("/deconnexion/")
    assert response["Location"] == "/connexion/"


def test_a_local_login_carrying_a_code_starts_no_exchange(client, provider):
    user = member(OrganisationFactory(), Role.TECHNICIAN, email="tech@atelier.fr")
    response = client.post(
        "/connexion/?code=stolen&state=whatever",
        {"username": user.username, "password": "wrong-password"},
    )
    assert response.status_code == 200
    assert "/token" not in provider.requests
    assert "_auth_user_id" not in client.session


def test_an_invitation_does_not_create_a_second_account_for_a_taken_address(client, provider):
    coordinator = member(OrganisationFactory(kind=OrganisationKind.COORDINATION), Role.COORDINATOR)
    structure = OrganisationFactory(kind=OrganisationKind.MEDIATION)
    member(OrganisationFactory(), Role.TECHNICIAN, email="parti@atelier.fr", is_active=False)
    invitation_create(
        by=coordinator, email="parti@atelier.fr", organisation=structure, role=Role.STAFF
    )
    before = User.objects.count()
    response = login_with_proconnect(client, provider, {"email": "parti@atelier.fr"})
    assert response["Location"] == "/connexion/proconnect/inconnu/"
    assert User.objects.count() == before
