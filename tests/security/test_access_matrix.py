"""The permission matrix (tests/security/permissions_matrix.py) walked with real objects:
every persona × every URL of the project, GET for all, POST for every persona refused a
write. Allowed answers must hold none of the rows of organisations the persona does not
belong to; refused writes must leave every row as it was.

Run: .venv/bin/pytest tests/security/test_access_matrix.py -q -p no:cacheprovider
"""

import re

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.security.permissions_matrix import (
    ADMIN,
    ADMIN_APPS,
    ADMIN_SITE,
    ANON,
    COORD,
    MATRIX,
    POST_ONLY,
)
from tests.security.walk import (
    admin_model_urls,
    body_text,
    fingerprint,
    is_login_redirect,
    kwargs_for,
    leaked,
    post_data,
    project_urls,
)
from tests.security.world import PERSONAS, build_world

# Unnamed patterns: the admin's catch-all (answers like the admin index, or 404 for staff).
UNNAMED = {"route:admin/(?P<url>.*)$"}


def _unclassified() -> list[str]:
    models = admin_model_urls()
    missing = []
    for key in project_urls():
        if key in MATRIX or key in ADMIN_SITE or key in UNNAMED:
            continue
        if key in models and models[key][0]._meta.app_label in ADMIN_APPS:
            continue
        missing.append(key)
    return missing


def test_every_url_of_the_project_is_in_the_matrix():
    missing = _unclassified()
    assert not missing, (
        "URLs not classified in tests/security/permissions_matrix.py (say who may use them): "
        + ", ".join(sorted(missing))
    )


def test_the_documented_matrix_is_current():
    """docs/security.md shows the matrix: regenerate it with
    `.venv/bin/python -m tests.security.permissions_matrix`."""
    from pathlib import Path

    from tests.security.permissions_matrix import as_markdown

    doc = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
    start, end = "<!-- matrix:start -->\n", "<!-- matrix:end -->"
    shown = doc[doc.index(start) + len(start) : doc.index(end)]
    assert shown == as_markdown()


def test_the_matrix_names_no_url_that_does_not_exist():
    urls = project_urls()
    assert not [name for name in MATRIX if name not in urls]


def _client(world, persona) -> Client:
    client = Client()
    if persona != ANON:
        client.force_login(world.users[persona])
    return client


def _anonymous_refused(response) -> bool:
    """The login page for screens; 401 (or 403) for the API, which has no login page."""
    return is_login_redirect(response) or response.status_code in (401, 403)


def _check_get(persona, name, rule, response, markers) -> str | None:
    status = response.status_code
    if rule.get == POST_ONLY:
        if persona == ANON and not rule.public:
            return (
                None if _anonymous_refused(response) else f"expected login redirect, got {status}"
            )
        return None if status == 405 else f"expected 405 (POST only), got {status}"
    allowed = persona in rule.get
    if allowed:
        if status == 200 or (status == 302 and not is_login_redirect(response)):
            markers = tuple(m for m in markers if m not in rule.public_facts)
            found = leaked(response, markers) if status == 200 else []
            return f"leaks {found}" if found else None
        return f"expected the page, got {status}"
    if persona == ANON:
        return None if _anonymous_refused(response) else f"expected login redirect, got {status}"
    return None if status in (403, 404) else f"expected 403/404, got {status}"


def _check_refused_post(persona, rule, response) -> str | None:
    status = response.status_code
    if persona == ANON:
        return None if _anonymous_refused(response) else f"expected login redirect, got {status}"
    if status in rule.refused_status:
        return None
    if rule.refused_in_page and status in (200, 302) and not is_login_redirect(response):
        return None
    return f"expected 403/404, got {status}"


def _title_problem(response) -> str | None:
    """A page's title is text: markup in it shows in the tab and the history as written."""
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
        return None
    if getattr(response, "streaming", False):
        return None
    title = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    if title and "<" in title.group(1):
        return f"markup in the title: {title.group(1)[:120]!r}"
    return None


# One case per persona, each on a world of its own: a failure names the persona, and the
# cases spread over the xdist workers instead of one walk of every persona taking minutes.
@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(persona, django_capture_on_commit_callbacks):
    world = build_world(django_capture_on_commit_callbacks)
    failures = []
    get_checks = post_checks = 0
    client = _client(world, persona)
    markers = world.markers_for(persona)
    for name, rule in MATRIX.items():
        url = reverse(name, kwargs=kwargs_for(rule, world.own))
        if rule.query:
            url += "?" + rule.query
        response = client.get(url)
        get_checks += 1
        problem = _check_get(persona, name, rule, response, markers) or _title_problem(response)
        if problem:
            failures.append(f"GET {persona:<13} {name} {url}: {problem}")
    # Refused writes: POST a payload an allowed persona would get accepted; nothing changes.
    client = _client(world, persona)
    before = fingerprint()  # after the login, which writes last_login
    for name, rule in MATRIX.items():
        if rule.post is None or persona in rule.post:
            continue
        url = reverse(name, kwargs=kwargs_for(rule, world.own))
        response = client.post(url, **post_data(name, world.own))
        post_checks += 1
        problem = _check_refused_post(persona, rule, response)
        after = fingerprint()
        if after != before:
            problem = (problem or "") + f" and rows changed in {before.changed(after)}"
            before = after
        if problem:
            failures.append(f"POST {persona:<13} {name} {url}: {problem}")
    print(
        f"\npermission matrix: {persona} x {len(MATRIX)} URLs = {get_checks} "
        f"GET checks, {post_checks} refused POSTs"
    )
    assert not failures, "\n" + "\n".join(failures)


# --------------------------------------------------------------------------- admin


def _admin_model_url(model, route) -> str:
    """The route with the model's first object (a non-superuser for users) in it."""
    qs = model._default_manager.order_by("pk")
    if model._meta.label == "accounts.User":
        qs = qs.filter(username="technicien")
    pk = qs.values_list("pk", flat=True).first() or 999999
    url = "/" + route
    for param in ("<path:object_id>", "<id>", "<int:id>", "<object_id>"):
        url = url.replace(param, str(pk))
    assert "<" not in url, route
    return url


def _admin_site_url(name, world) -> str | None:
    if name == "admin:app_list":
        return reverse(name, kwargs={"app_label": "inventory"})
    if name == "admin:view_on_site":
        from django.contrib.contenttypes.models import ContentType

        from inventory.models import Device

        ct = ContentType.objects.get_for_model(Device)
        return reverse(name, kwargs={"content_type_id": ct.pk, "object_id": world.own["device"]})
    if name == "admin:autocomplete":
        return reverse(name) + "?app_label=inventory&model_name=device&field_name=location"
    return reverse(name)


def _admin_problem(persona, name, url, app, response, superuser_status) -> str | None:
    if app is None:
        allowed = None if name == "admin:logout" else persona in (COORD, ADMIN)
    else:
        allowed = persona in ADMIN_APPS[app]
    status = response.status_code
    if name == "admin:logout":
        problem = None if status in (405, 302) else f"got {status}"
    elif name == "admin:login":
        problem = None if status in (200, 302) else f"got {status}"
    elif persona in (ANON, *[p for p in PERSONAS if p not in (COORD, ADMIN)]):
        problem = None if is_login_redirect(response) else f"expected login, got {status}"
    elif allowed:
        if persona == ADMIN:
            superuser_status[name] = status
            problem = None if status in (200, 302, 403, 404) else f"got {status}"
            if name.endswith("_changelist") and status != 200:
                problem = f"changelist answered {status}"
        else:
            expected = superuser_status.get(name)
            problem = None if status == expected else f"got {status}, superuser {expected}"
    elif name.startswith("route:") and response.get("Location", "").endswith("/change/"):
        # The old-style object URL only redirects to the change page, checked itself.
        problem = None
    elif "999999" in url:
        # No such row: the admin answers "does not exist" (redirect) before asking.
        problem = None if status in (302, 403, 404) else f"expected 403, got {status}"
    else:
        problem = None if status == 403 else f"expected 403, got {status}"
    return problem


# django-import-export's export page reads a variable it does not always set.
@pytest.mark.ignore_template_errors
@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_admin_matrix(persona, django_capture_on_commit_callbacks):
    """Non-staff never get into the admin; the coordinator gets the project's models (as
    far as the superuser does) and nothing of auth, Celery beat or axes."""
    world = build_world(django_capture_on_commit_callbacks)
    models = admin_model_urls()
    urls = project_urls()
    failures = []
    checks = 0
    superuser_status = {}
    # The coordinator gets what the superuser gets on her applications: her case walks the
    # superuser's first, on the same world, for the statuses to compare with (the superuser's
    # own answers are checked in the superuser's case).
    order = [ADMIN, COORD] if persona == COORD else [persona]
    # The URLs are fixed before the walk: pages that log their views (the personal-data
    # access log) add rows, and every persona must ask for the very same objects.
    targets = []
    for name in sorted(urls):
        if name in ADMIN_SITE:
            site_url = reverse(name) if name == "admin:logout" else _admin_site_url(name, world)
            targets.append((name, site_url, None))
        elif name in models:
            model, route = models[name]
            targets.append((name, _admin_model_url(model, route), model._meta.app_label))
    for walker in order:
        client = _client(world, walker)
        for name, url, app in targets:
            response = client.get(url)
            problem = _admin_problem(walker, name, url, app, response, superuser_status)
            if walker != persona:
                continue
            checks += 1
            if problem:
                failures.append(f"GET {walker:<13} {name} {url}: {problem}")
    print(f"\nadmin matrix: {persona}, {checks} checks")
    assert not failures, "\n" + "\n".join(failures)


@pytest.mark.django_db
def test_coordinator_cannot_raise_herself_to_superuser(django_capture_on_commit_callbacks):
    """A coordinator holds the user permissions, but superuser rights stay with superusers."""
    from accounts.models import User

    world = build_world(django_capture_on_commit_callbacks)
    coord = world.users[COORD]
    client = _client(world, COORD)
    superuser = world.users[ADMIN]
    # The superuser's account is out of her reach: no page, no password change.
    assert client.get(reverse("admin:accounts_user_change", args=[superuser.pk])).status_code in (
        302,
        404,
    )
    response = client.get(reverse("admin:auth_user_password_change", args=[superuser.pk]))
    assert response.status_code in (302, 404)
    # On her own account the rights fields are read-only: posting them changes nothing.
    url = reverse("admin:accounts_user_change", args=[coord.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        {
            "is_superuser": "on",
            "is_staff": "on",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        }
    )
    client.post(url, data)
    assert not User.objects.get(pk=coord.pk).is_superuser
    assert body_text(page)


def test_admin_registry_is_known():
    """Every application with models in the admin is classified in ADMIN_APPS."""
    apps_in_admin = {model._meta.app_label for model in admin.site._registry}
    assert apps_in_admin <= set(ADMIN_APPS), apps_in_admin - set(ADMIN_APPS)


# A persona allowed each write, in an order that keeps the next one possible.
ALLOWED_WRITES = [
    ("inventory:donor_create", "technicien"),
    ("inventory:batch_edit", "technicien"),
    ("inventory:device_move", "technicien"),
    ("inventory:location_list", "technicien2"),
    ("inventory:location_put_away", "technicien"),
    ("inventory:stocktake_create", "technicien"),
    ("inventory:stocktake_accept", "responsable"),
    ("reconditioning:part_list", "responsable"),
    ("reconditioning:part_detail", "responsable"),
    ("inventory:import_job_confirm", "technicien"),
    ("inventory:hardware_pending_decide", "technicien"),
    ("inventory:stock_report_request", "coordinatrice"),
    ("api-hardware-report", "technicien"),
    ("beneficiaries:funder_report_request", "financeur"),
    ("beneficiaries:session_detail", "mediatrice"),
    ("beneficiaries:person_edit", "mediatrice"),
    ("beneficiaries:person_waiver", "coordinatrice"),
    ("beneficiaries:order_action", "mediatrice"),
    ("beneficiaries:order_cancel", "mediatrice"),
    ("beneficiaries:person_limit_override", "coordinatrice"),
    ("beneficiaries:tariffs", "coordinatrice"),
    ("organisation_identity", "mediatrice"),
    ("beneficiaries:allocation_return", "coordinatrice"),
    ("beneficiaries:person_eligibility", "mediatrice"),
    ("beneficiaries:proof_kind_list", "coordinatrice"),
    ("beneficiaries:proof_kind_toggle", "coordinatrice"),
    ("beneficiaries:structure_precarity", "coordinatrice"),
    ("beneficiaries:person_erase", "coordinatrice"),
    ("password_change", "technicien"),
    ("maps:fragility", "coordinatrice"),
    ("maps:public_switch", "coordinatrice"),
    ("invitation_list", "coordinatrice"),
    ("notices:read", "mediatrice"),
    ("notices:read_all", "responsable"),
    ("notices:preferences", "responsable"),
]


@pytest.mark.django_db
def test_the_refused_payloads_are_accepted_from_an_allowed_persona(
    django_capture_on_commit_callbacks,
):
    """The refused POSTs of the matrix carry payloads that write when the right persona
    sends them: what stopped the others was the access check, not a bad form."""
    world = build_world(django_capture_on_commit_callbacks)
    failures = []
    for name, persona in ALLOWED_WRITES:
        assert persona in MATRIX[name].post, (name, persona)
        client = _client(world, persona)
        before = fingerprint()
        url = reverse(name, kwargs=kwargs_for(MATRIX[name], world.own))
        response = client.post(url, **post_data(name, world.own))
        ok = response.status_code in (200, 201, 302) and not is_login_redirect(response)
        changed = before.changed(fingerprint())
        if not ok or not changed:
            failures.append(f"{persona} {name}: {response.status_code}, rows changed {changed}")
    assert not failures, "\n".join(failures)
