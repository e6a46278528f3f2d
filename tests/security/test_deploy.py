"""Production settings: `manage.py check --deploy` clean, cookies secure, HTTPS enforced.

Each test runs Django in a subprocess with the production environment of docker-compose.yml
(DEBUG off, a long random SECRET_KEY, ALLOWED_HOSTS, an https:// SITE_URL), since the
settings module reads the environment once, at import.

Run: .venv/bin/pytest tests/security/test_deploy.py -q -p no:cacheprovider
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def production_env(**extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "SITE_URL", "DEBUG"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="filiere.example.org",
        SITE_URL="https://filiere.example.org",
        CSRF_TRUSTED_ORIGINS="https://filiere.example.org",
    )
    env.update(extra)
    return env


def run(args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output


def test_check_deploy_fails_on_an_insecure_configuration():
    """The test above would catch a regression: plain HTTP with a short key is flagged."""
    env = production_env(SITE_URL="http://filiere.example.org", SECRET_KEY="short")
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W009", "security.W012"):
        assert check in output


PROBE = """
import json, django
django.setup()
from django.conf import settings as s
from django.test import Client
names = [
    "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE", "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "X_FRAME_OPTIONS",
]
out = {n: getattr(s, n) for n in names}
client = Client(HTTP_HOST="filiere.example.org")
plain = client.get("/connexion/")
out["http_status"] = plain.status_code
out["http_location"] = plain.get("Location", "")
health = client.get("/healthz/")
out["healthz_http_status"] = health.status_code
page = client.get("/connexion/", secure=True)
out["https_status"] = page.status_code
out["hsts"] = page.get("Strict-Transport-Security", "")
out["csrf_cookie"] = page.cookies["csrftoken"].output() if "csrftoken" in page.cookies else ""
print(json.dumps(out))
"""


def test_production_cookies_are_secure_and_http_is_redirected():
    result = run(["-c", PROBE], production_env())
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["DEBUG"] is False
    assert facts["SESSION_COOKIE_SECURE"] and facts["CSRF_COOKIE_SECURE"]
    assert facts["SESSION_COOKIE_HTTPONLY"] and facts["CSRF_COOKIE_HTTPONLY"]
    assert facts["SESSION_COOKIE_SAMESITE"] == facts["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert facts["X_FRAME_OPTIONS"] == "DENY"
    assert facts["SECURE_HSTS_SECONDS"] >= 31536000 and facts["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    # Plain HTTP is sent to HTTPS, except the container healthcheck.
    assert facts["http_status"] == 301
    assert facts["http_location"].startswith("https://filiere.example.org/connexion/")
    assert facts["healthz_http_status"] == 200
    # Over HTTPS: HSTS, and the CSRF cookie the login form sets is Secure, HttpOnly, Lax.
    assert facts["https_status"] == 200
    assert "max-age=31536000" in facts["hsts"] and "includeSubDomains" in facts["hsts"]
    cookie = facts["csrf_cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_development_over_http_keeps_cookies_usable():
    """`make run` serves http://127.0.0.1:8000: cookies must not require HTTPS there."""
    env = production_env(SITE_URL="http://127.0.0.1:8000", DEBUG="true", ALLOWED_HOSTS="127.0.0.1")
    result = run(["-c", PROBE.replace("filiere.example.org", "127.0.0.1")], env)
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert not facts["SESSION_COOKIE_SECURE"] and not facts["SECURE_SSL_REDIRECT"]
    assert facts["http_status"] == 200
