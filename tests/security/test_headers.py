"""Security headers and the Content Security Policy, and what makes the policy hold: no page
runs an inline script, an inline event handler or an inline style.

Run: .venv/bin/pytest tests/security/test_headers.py -q -p no:cacheprovider
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.security.permissions_matrix import MATRIX
from tests.security.walk import kwargs_for
from tests.security.world import build_world

ROOT = Path(__file__).resolve().parent.parent.parent


def _directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("logged_in", [False, True])
def test_security_headers_on_pages(client, technician, logged_in):
    if logged_in:
        client.force_login(technician)
    response = client.get(reverse("home") if logged_in else reverse("login"))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response["Permissions-Policy"]
    # The camera for this site only (the scan box), never for a frame of another.
    for feature in ("camera=(self)", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy
    csp = _directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    raw = response["Content-Security-Policy"]
    assert "unsafe-inline" not in raw and "unsafe-eval" not in raw


@pytest.mark.django_db
def test_headers_on_files_and_api(tech_client, batch):
    from tests.factories import make_device

    make_device(batch)
    pdf = tech_client.get(reverse("inventory:batch_labels", args=[batch.pk]))
    assert pdf.status_code == 200 and pdf["X-Content-Type-Options"] == "nosniff"
    api = tech_client.get("/api/devices/")
    assert api.status_code == 200
    assert api["X-Frame-Options"] == "DENY" and "Content-Security-Policy" in api


class InlineFinder(HTMLParser):
    """Collects what a 'self'-only policy would block: inline <script> and <style> bodies,
    on* handler attributes, style attributes, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name == "style":
                self.found.append(f'{tag} style="{value}"')
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"{tag} {name}=javascript:")


def inline_code(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


def test_the_finder_finds_inline_code():
    assert inline_code('<script>alert(1)</script><p onclick="x()" style="color:red">') == [
        "<script> without src",
        "p onclick=",
        'p style="color:red"',
    ]
    assert inline_code('<script src="/static/js/app.js" defer></script>') == []


@pytest.mark.django_db
def test_no_rendered_page_holds_inline_script_or_style(django_capture_on_commit_callbacks):
    """Every HTML page of the matrix, as three personas who see most of them."""
    world = build_world(django_capture_on_commit_callbacks)
    failures, pages = [], 0
    for persona in ("technicien", "mediatrice", "coordinatrice", "anonymous"):
        client = Client()
        if persona != "anonymous":
            client.force_login(world.users[persona])
        for name, rule in MATRIX.items():
            url = reverse(name, kwargs=kwargs_for(rule, world.own))
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type"):
                continue
            pages += 1
            found = inline_code(response.content.decode())
            if found:
                failures.append(f"{persona} {name}: {sorted(set(found))}")
    assert pages >= 60
    assert not failures, "\n".join(failures)


# Templates rendered to PDF by WeasyPrint (never served as a web page) keep their <style>.
PDF_TEMPLATE = re.compile(r"@page|weasyprint", re.IGNORECASE)


def test_no_template_holds_inline_script_or_handlers():
    templates = [
        p
        for d in (
            "templates",
            "core",
            "accounts",
            "inventory",
            "reconditioning",
            "beneficiaries",
            "reports",
        )
        for p in (ROOT / d).rglob("*.html")
    ]
    assert len(templates) > 50
    failures = []
    for path in templates:
        text = path.read_text(encoding="utf-8")
        found = [f for f in inline_code(text) if not f.startswith(("<style>", "style"))]
        if not PDF_TEMPLATE.search(text) and "_doc_style" not in path.name:
            found += [f for f in inline_code(text) if f.startswith(("<style>", "style"))]
        found = [f for f in found if "{{" not in f or "style" in f]
        if found:
            failures.append(f"{path.relative_to(ROOT)}: {sorted(set(found))}")
    assert not failures, "\n".join(failures)
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"] == ["'self'"]
