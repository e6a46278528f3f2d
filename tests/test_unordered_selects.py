"""The suite's SQLite returns unordered SELECTs in reverse (tests/conftest.py), so that code
relying on rows coming back in the order written fails on every run, not on PostgreSQL some
days."""

import pytest
from django.db import connection

from accounts.models import Organisation
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a SQLite pragma")
def test_a_select_without_order_by_comes_back_reversed():
    made = [OrganisationFactory().pk for _ in range(3)]
    unordered = list(
        Organisation.objects.filter(pk__in=made).order_by().values_list("pk", flat=True)
    )
    assert unordered == sorted(made, reverse=True)
    # Asking for an order still gets it.
    assert list(
        Organisation.objects.filter(pk__in=made).order_by("pk").values_list("pk", flat=True)
    ) == sorted(made)
