"""accounts.permissions.PERMISSIONS is the one table of who may do what: the access matrix
(tests/security/permissions_matrix.py) names, for each URL it decides, the action that
decides it, and here each action's rule, asked for every persona about the URL's object,
grants exactly the personas the matrix lets through. Actions that guard a service rather than
one URL are checked the same way (SERVICE_ACTIONS). docs/security.md shows the table."""

from pathlib import Path

import pytest
from django.utils import translation

from accounts import permissions
from tests.security.permissions_matrix import (
    ANON,
    MATRIX,
    PERSONA_ORDER,
    POST_ONLY,
    SERVICE_ACTIONS,
    actions_markdown,
)
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _granted(world, action, obj) -> frozenset:
    return frozenset(
        persona
        for persona in PERSONA_ORDER
        if persona != ANON and permissions.can(world.users[persona], action, obj)
    )


def _object(world, key):
    if key is None:
        return None
    if key == "structure_org":
        return world.objects["allocation"].structure
    return world.objects[key]


def test_every_action_is_decided_somewhere_and_named_once():
    by_urls = {rule.action for rule in MATRIX.values() if rule.action}
    assert not by_urls - set(permissions.PERMISSIONS), "unknown action in the matrix"
    assert not set(SERVICE_ACTIONS) - set(permissions.PERMISSIONS)
    assert set(permissions.PERMISSIONS) == by_urls | set(SERVICE_ACTIONS), (
        "an action of accounts.permissions is checked neither by a URL nor as a service"
    )


def test_the_matrix_and_the_table_agree(django_capture_on_commit_callbacks):
    world = build_world(django_capture_on_commit_callbacks)
    disagreements = []
    for name, rule in MATRIX.items():
        if not rule.action:
            continue
        obj = world.objects.get(rule.args) if isinstance(rule.args, str) else None
        expected = rule.post if rule.post is not None else rule.get
        assert expected != POST_ONLY
        granted = _granted(world, rule.action, obj)
        if granted != expected - {ANON}:
            disagreements.append(
                f"{name} ({rule.action}): table {sorted(granted)}, "
                f"matrix {sorted(expected - {ANON})}"
            )
    for action, (key, expected) in SERVICE_ACTIONS.items():
        granted = _granted(world, action, _object(world, key))
        if granted != expected:
            disagreements.append(f"{action}: table {sorted(granted)}, expected {sorted(expected)}")
    assert not disagreements, "\n".join(disagreements)


def test_the_anonymous_visitor_may_do_nothing():
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert not [a for a in permissions.PERMISSIONS if permissions.can(anonymous, a)]


def test_a_refusal_says_why():
    from django.core.exceptions import PermissionDenied

    from tests.factories import UserFactory

    user = UserFactory()
    with translation.override("fr"), pytest.raises(PermissionDenied) as refused:
        permissions.require(user, "tariffs.set")
    assert str(refused.value) == (
        "Seule une coordinatrice ou un coordinateur peut définir la grille tarifaire."
    )


def test_the_documented_table_is_current():
    """docs/security.md shows the table: regenerate it with
    `.venv/bin/python -m tests.security.permissions_matrix --actions`."""
    doc = (ROOT / "docs" / "security.md").read_text()
    start, end = "<!-- actions:start -->\n", "<!-- actions:end -->"
    assert start in doc and end in doc
    with translation.override("en"):
        assert doc[doc.index(start) + len(start) : doc.index(end)] == actions_markdown()
