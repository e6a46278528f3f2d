"""Login: brute force locked out per username and address (django-axes), strong passwords,
logout everywhere on a password change, the demo accounts still usable.

Run: .venv/bin/pytest tests/security/test_login.py -q -p no:cacheprovider
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import global_settings, settings
from django.contrib.auth.hashers import get_hasher
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import config.settings as production
from accounts.enums import OrganisationKind, Role
from tests.conftest import FAST_PASSWORD_HASHERS
from tests.factories import OrganisationFactory, member

PASSWORD = "Vélo-rouge-sur-la-colline-92"
A, B = "203.0.113.10", "198.51.100.20"


@pytest.fixture
def karim(db):
    workshop = OrganisationFactory(name="Atelier", kind=OrganisationKind.WORKSHOP)
    user = member(
        workshop, Role.TECHNICIAN, username="karim", first_name="Karim", last_name="Maximilien"
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def _login(client, username, password, ip=A):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _logged_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_settings_lock_a_username_and_address_pair_for_15_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_five_wrong_passwords_lock_the_account_from_that_address(karim):
    client = Client()
    for _ in range(4):
        response = _login(client, "karim", "wrong-password")
        assert response.status_code == 200  # the form again, with its error
    response = _login(client, "karim", "wrong-password")
    assert response.status_code == 429
    # Locked: even the right password is refused from this address, with the lockout page.
    response = _login(client, "karim", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    # In French, the interface's language.
    assert "Trop de tentatives" in page
    assert "Réessayez dans 15 minutes" in page
    assert not _logged_in(client)


def test_the_lockout_is_per_username_and_address(karim):
    workshop = karim.organisations.get()
    other = member(workshop, Role.TECHNICIAN, username="sophie")
    other.set_password(PASSWORD)
    other.save()
    attacker = Client()
    for _ in range(5):
        _login(attacker, "karim", "wrong-password", ip=A)
    assert _login(attacker, "karim", PASSWORD, ip=A).status_code == 429
    # The real user, from their own address, still logs in: an attacker cannot lock them out.
    karim_client = Client()
    assert _login(karim_client, "karim", PASSWORD, ip=B).status_code == 302
    assert _logged_in(karim_client)
    # Another account from the attacker's address is not locked either.
    sophie = Client()
    assert _login(sophie, "sophie", PASSWORD, ip=A).status_code == 302


def test_the_lock_ends_after_the_cool_off(karim):
    client = Client()
    for _ in range(5):
        _login(client, "karim", "wrong-password")
    assert _login(client, "karim", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _login(client, "karim", PASSWORD).status_code == 302
    assert _logged_in(client)


def test_behind_the_proxies_the_client_address_counts(karim, settings):
    """In production two proxies append to X-Forwarded-For: the lockout follows the client,
    not nginx's address, and entries the client forges on the left are ignored."""
    settings.TRUSTED_PROXY_HOPS = 2
    nginx = "172.18.0.5"
    attacker = Client()
    for n in range(5):
        # The attacker rotates a forged left-most entry; the TLS proxy appends its real one.
        attacker.post(
            reverse("login"),
            {"username": "karim", "password": "wrong-password"},
            REMOTE_ADDR=nginx,
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, {A}, 192.0.2.1",
        )
    response = attacker.post(
        reverse("login"),
        {"username": "karim", "password": PASSWORD},
        REMOTE_ADDR=nginx,
        HTTP_X_FORWARDED_FOR=f"10.9.9.9, {A}, 192.0.2.1",
    )
    assert response.status_code == 429
    # Karim, from his own address, through the same nginx, is not locked out.
    karim_client = Client()
    response = karim_client.post(
        reverse("login"),
        {"username": "karim", "password": PASSWORD},
        REMOTE_ADDR=nginx,
        HTTP_X_FORWARDED_FOR=f"{B}, 192.0.2.1",
    )
    assert response.status_code == 302


# --------------------------------------------------------------------------- passwords


def test_production_keeps_the_slow_hasher_and_only_the_tests_use_a_fast_one():
    """tests/conftest.py swaps in MD5 to save half a second per password; what config.settings
    deploys is Django's default, PBKDF2 (a leaked table stays costly to crack)."""
    deployed = getattr(production, "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS)
    assert deployed[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    assert settings.PASSWORD_HASHERS == FAST_PASSWORD_HASHERS
    assert get_hasher().algorithm == "md5"


@pytest.mark.parametrize(
    "weak",
    [
        "Court-92!",  # shorter than 12
        "839201746512",  # digits only
        "password1234",  # common
        "Karim-Maximilien",  # close to the user's name (Karim Maximilien)
    ],
)
def test_weak_passwords_are_refused(karim, weak):
    client = Client()
    client.force_login(karim)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
    )
    assert response.status_code == 200  # the form again, with the validator's message
    assert response.context["form"].errors["new_password2"]
    karim.refresh_from_db()
    assert karim.check_password(PASSWORD)


def test_password_change_logs_out_every_other_session(karim):
    here, elsewhere = Client(), Client()
    assert _login(here, "karim", PASSWORD, ip=A).status_code == 302
    assert _login(elsewhere, "karim", PASSWORD, ip=B).status_code == 302
    assert _logged_in(here) and _logged_in(elsewhere)
    new = "Une-phrase-longue-et-nouvelle-2026"
    response = here.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    # The session that changed the password stays; the other browser is logged out.
    assert _logged_in(here)
    response = elsewhere.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    karim.refresh_from_db()
    assert karim.check_password(new)


def test_every_page_links_to_the_password_change(karim):
    client = Client()
    client.force_login(karim)
    assert reverse("password_change") in client.get(reverse("home")).content.decode()


def test_demo_accounts_still_log_in_with_the_demo_password(db):
    """seed_demo sets filiere-demo directly (validators apply to forms, not to it)."""
    call_command("seed_demo", verbosity=0, history=False)
    client = Client()
    response = _login(client, "technicien", "filiere-demo")
    assert response.status_code == 302
    assert _logged_in(client)
