import functools
import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from rest_framework.test import APIClient

from accounts.enums import OrganisationKind, Role
from accounts.services import machine_token_create
from tests.factories import OrganisationFactory, make_batch, member

# Django's default hasher (PBKDF2, a million iterations) costs about half a second of CPU per
# password set or checked, and the suite sets hundreds (every factory user, nine personas per
# seed_demo). The tests check who may log in, not how hard a hash is to crack: a fast hasher
# here only. config.settings keeps the default (tests/security/test_login.py checks it).
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config):
    from django.conf import settings
    from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm

    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()
    # A CACHE_URL in the environment would make every xdist worker read the others' entries:
    # the suite keeps one local cache per process (tests/test_shared_cache.py starts its Redis).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    _own_broker_per_xdist_worker(config, settings)
    _unordered_selects_come_back_reversed()


def _unordered_selects_come_back_reversed():
    """A page or a rule that relies on rows coming back in the order they were written works
    on SQLite and breaks on PostgreSQL some days (CI listed an order's tablets before its
    laptop). SQLite can return every SELECT without an ORDER BY in reverse: such code then
    fails on every run, on the developer's machine."""
    from django.db.backends.signals import connection_created

    def reverse(sender, connection, **kwargs):
        if connection.vendor == "sqlite":
            connection.cursor().execute("PRAGMA reverse_unordered_selects = ON")

    connection_created.connect(reverse, weak=False, dispatch_uid="reverse_unordered_selects")


def _own_broker_per_xdist_worker(config, settings):
    """Under pytest-xdist each worker has its own test database (test_filiere_gw0, ...) and,
    here, its own Redis database: the tests that start a real Celery worker purge the queues
    and wait for their tasks, so two of them on one broker would take each other's tasks (or
    drop them). gw0 gets the broker's database + 1, gw1 + 2, ... Celery reads the variable
    before its settings, and the Celery worker the test starts inherits it."""
    worker = getattr(config, "workerinput", {}).get("workerid")  # "gw0", "gw1", ...
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not worker or not url.startswith(("redis://", "rediss://")):
        return
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0) + 1 + int(worker.removeprefix("gw"))
    if db > 15:  # Redis has databases 0 to 15 unless configured otherwise
        raise pytest.UsageError(f"{worker}: no Redis database {db} for it, use fewer workers")
    own = urlunsplit(parts._replace(path=f"/{db}"))
    os.environ["CELERY_BROKER_URL"] = settings.CELERY_BROKER_URL = own


def pytest_make_parametrize_id(config, val, argname):
    """Test ids identical in every xdist worker (each collects on its own): binary values by
    their size, not their bytes (a zip built at collection time holds the time), and a bare
    object() by its type, not its address."""
    if isinstance(val, bytes | bytearray):
        return f"{argname}-{len(val)}-bytes"
    if type(val) is object:
        return "object"
    return None


@pytest.fixture(autouse=True)
def _isolated_media_and_eager_tasks(settings, tmp_path, request):
    settings.MEDIA_ROOT = tmp_path / "media"
    if request.node.get_closest_marker("real_celery") is None:
        # Even when a broker is configured (PostgreSQL run), tests other than the real-worker
        # ones run tasks in-process.
        from config.celery import app

        # With the CELERY settings namespace, the prefixed key is the one Celery reads.
        previous = app.conf.task_always_eager
        app.conf.CELERY_TASK_ALWAYS_EAGER = True
        # And Django's setting, which core.fresh reads: a page counts a change at once.
        settings.CELERY_TASK_ALWAYS_EAGER = True
        yield
        app.conf.CELERY_TASK_ALWAYS_EAGER = previous
    else:
        yield


@pytest.fixture(autouse=True)
def _os_catalogue(request):
    """Transactional tests flush the tables, data migrations included: reload the catalogue."""
    uses_db = {"db", "transactional_db"} & set(request.fixturenames)
    if not uses_db and not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue("_django_db_helper")  # the database as the test's marker asks
    from reconditioning.catalogue import catalogue_load
    from reconditioning.models import OperatingSystem

    if not OperatingSystem.objects.exists():
        catalogue_load(OperatingSystem)
        from django.apps import apps

        from beneficiaries.defaults import MODEL_NAMES, defaults_load

        defaults_load({name: apps.get_model("beneficiaries", name) for name in MODEL_NAMES})
        from beneficiaries.defaults import impact_load, proof_kinds_load

        impact_load(apps.get_model("beneficiaries", "ImpactFactor"))
        proof_kinds_load(apps.get_model("beneficiaries", "EligibilityProofKind"))
        from inventory.weights import weights_load

        weights_load()
        _beat_schedules_load()


def _beat_schedules_load():
    """The flush empties django-celery-beat's tables too: run again every data migration's
    `schedule` (the project's name for a RunPython that adds a beat entry), so that a test
    reading a schedule passes whatever ran before it on its worker."""
    from django.apps import apps

    for schedule in _beat_schedules():
        schedule(apps, None)


@functools.cache
def _beat_schedules() -> list:
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    loader = MigrationLoader(connection, ignore_no_migrations=True)
    return [
        op.code
        for _key, migration in sorted(loader.disk_migrations.items())
        for op in migration.operations
        if isinstance(op, RunPython) and op.code.__name__ == "schedule"
    ]


@pytest.fixture
def workshop(db):
    return OrganisationFactory(name="Atelier Nanterre", kind=OrganisationKind.WORKSHOP)


@pytest.fixture
def machine(workshop):
    """The API client of the workshop's intake workstation (a machine token)."""
    _token, key = machine_token_create(workshop=workshop, label="Poste d'entrée")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def other_workshop(db):
    return OrganisationFactory(name="Atelier Gennevilliers", kind=OrganisationKind.WORKSHOP)


@pytest.fixture
def technician(workshop):
    return member(workshop, Role.TECHNICIAN, username="tech")


@pytest.fixture
def other_technician(other_workshop):
    return member(other_workshop, Role.TECHNICIAN, username="tech-other")


@pytest.fixture
def coordinator(db):
    org = OrganisationFactory(name="Coordination 92", kind=OrganisationKind.COORDINATION)
    return member(org, Role.COORDINATOR, username="coord")


@pytest.fixture
def batch(workshop, technician):
    return make_batch(workshop, user=technician)


@pytest.fixture
def tech_client(client, technician):
    client.force_login(technician)
    return client


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the map caches its figures by the newest row
    ids, and a test database hands the same ids out again."""
    from django.core.cache import cache

    cache.clear()
