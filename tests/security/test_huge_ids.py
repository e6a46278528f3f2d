"""A number too large for any id, in any filter, is no match: an empty list (or the
filter's own error), never HTTP 500. One rule (core.ids) for every place that reads an id
from a URL: the django-filter FilterSets, the views, the API and the admin's list filters."""

import pytest
from django.urls import reverse

from tests.factories import make_device

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # beyond a 64-bit integer
NEGATIVE_HUGE = "-99999999999999999999"
BIG = "9223372036854775808"  # 2**63, one past PostgreSQL's bigint


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(admin)
    return client


@pytest.fixture
def device(batch):
    return make_device(batch)


SCREENS = [
    ("inventory:device_list", "batch={n}"),
    ("inventory:device_list", "location={n}"),
    ("inventory:device_list", "after={n}"),
    ("inventory:device_list", "before={n}"),
    ("inventory:device_list", "sort=model&before={n}"),
    ("inventory:device_list", "batch={n}&export=csv"),
    ("reconditioning:queue", "batch={n}"),
    ("reconditioning:queue", "location={n}"),
    ("inventory:batch_list", "page={n}"),
    ("inventory:batch_create", "donor={n}"),
    ("device-list", "batch={n}"),
]


@pytest.mark.parametrize("number", [HUGE, NEGATIVE_HUGE, BIG])
@pytest.mark.parametrize(("name", "query"), SCREENS)
def test_a_huge_id_in_a_screen_filter_is_no_match(client, technician, device, name, query, number):
    client.force_login(technician)
    response = client.get(reverse(name) + "?" + query.format(n=number))
    assert response.status_code in (200, 400), (name, query, response.status_code)
    if "batch=" in query and response.status_code == 200 and "export" not in query:
        assert device.asset_tag not in response.content.decode(), (name, query)


ADMIN = [
    ("admin:inventory_device_changelist", "batch__id__exact={n}"),
    ("admin:inventory_device_changelist", "id={n}"),
    ("admin:inventory_collectionbatch_changelist", "workshop__id__exact={n}"),
    ("admin:inventory_collectionbatch_changelist", "donor={n}"),
    ("admin:beneficiaries_auditlog_changelist", "organisation__id__exact={n}"),
    ("admin:beneficiaries_allocation_changelist", "person={n}"),
    ("admin:beneficiaries_person_changelist", "structure__id__exact={n}"),
    ("admin:accounts_organisation_changelist", "id__exact={n}"),
]


@pytest.mark.parametrize("number", [HUGE, BIG])
@pytest.mark.parametrize(("name", "query"), ADMIN)
def test_a_huge_id_in_an_admin_filter_is_no_match(admin_client, device, name, query, number):
    response = admin_client.get(reverse(name) + "?" + query.format(n=number))
    # The admin answers an empty list, or its "?e=1" redirect for a lookup it refuses.
    assert response.status_code in (200, 302), (name, query, response.status_code)
    if response.status_code == 200:
        assert device.asset_tag not in response.content.decode(), (name, query)


def test_a_huge_id_in_an_object_url_is_not_found(admin_client, technician, client, device):
    response = admin_client.get(f"/admin/inventory/device/{HUGE}/change/", follow=True)
    assert response.status_code in (200, 404)
    client.force_login(technician)
    assert client.get(reverse("device-detail", args=[HUGE])).status_code == 404
