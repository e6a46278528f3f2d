import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.validators import validate_insee_code, validate_siret

pytestmark = pytest.mark.django_db


def test_login_page_is_french_and_logs_in(client, technician):
    page = client.get(reverse("login"))
    assert "Connexion" in page.content.decode()
    response = client.post(reverse("login"), {"username": "tech", "password": "pass-1234!"})
    assert response.status_code == 302 and response.url == reverse("home")
    home = client.get(reverse("home")).content.decode()
    assert "Atelier Nanterre" in home


def test_wrong_password_says_so(client, technician):
    response = client.post(reverse("login"), {"username": "tech", "password": "nope"})
    assert "Identifiant ou mot de passe incorrect" in response.content.decode()


def test_logout(client, technician):
    client.force_login(technician)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_english_is_available(client, technician):
    client.force_login(technician)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Latest batches" in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("value", ["73282932000074", "732 829 320 00074", "35600000049837"])
def test_valid_sirets(value):
    validate_siret(value)


@pytest.mark.parametrize("value", ["73282932000075", "1234", "ABCDEFGHIJKLMN"])
def test_invalid_sirets_are_refused_in_french(value):
    with pytest.raises(ValidationError) as exc:
        validate_siret(value)
    assert "SIRET" in exc.value.messages[0]


@pytest.mark.parametrize(
    "value,ok", [("92050", True), ("2A004", True), ("9205", False), ("ABCDE", False)]
)
def test_insee_codes(value, ok):
    if ok:
        validate_insee_code(value)
    else:
        with pytest.raises(ValidationError):
            validate_insee_code(value)
