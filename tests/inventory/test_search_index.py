"""The device search reads one generated column through one trigram index (issue 17: four GIN
indexes, one per searched column, were written for every device logged and cost the importer
44 % of its write at a million devices). The search finds what it found before, follows an
edit, never matches a word across two fields, and on PostgreSQL the plan uses that index."""

import pytest
from django.db import connection

from inventory.models import Device
from inventory.services import DeviceSpecs, device_update_specs
from tests.factories import make_device

pytestmark = pytest.mark.django_db

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only"
)


def found(text: str) -> set[str]:
    return set(Device.objects.search(text).values_list("serial_number", flat=True))


def test_each_field_is_searched_partially_in_any_case(batch, technician):
    make_device(
        batch, user=technician, serial_number="PF1ABC23", manufacturer="Lenovo", model="ThinkPad X1"
    )
    make_device(
        batch, user=technician, serial_number="CZC999", manufacturer="HP", model="EliteBook 840"
    )
    tag = Device.objects.get(serial_number="CZC999").asset_tag
    assert found("abc2") == {"PF1ABC23"}
    assert found("elitebook") == {"CZC999"}
    assert found("LENO x1") == {"PF1ABC23"}
    assert found(tag.lower()) == {"CZC999"}
    assert found("thinkpad elitebook") == set()  # every word, each in some field


def test_a_word_never_spans_two_fields(batch, technician):
    # Serial then model: "…23" + "Think…" would read "23THINK" if the fields were joined bare.
    make_device(
        batch, user=technician, serial_number="PF1ABC23", manufacturer="Lenovo", model="ThinkPad X1"
    )
    assert found("23think") == set()
    assert found("x1lenovo") == set()


def test_the_search_follows_an_edit(batch, technician):
    device = make_device(
        batch, user=technician, serial_number="ED1", manufacturer="Dell", model="Latitude 5490"
    )
    specs = DeviceSpecs(
        device_type="laptop", serial_number="ED1", manufacturer="Dell", model="Optiplex 7050"
    )
    device_update_specs(device=device, specs=specs, replace_drives=False, user=technician)
    assert found("optiplex") == {"ED1"} and found("latitude") == set()


@needs_postgres
def test_one_trigram_index_answers_the_search(batch, technician):
    make_device(batch, user=technician, serial_number="PF1ABC23")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'inventory_device' "
            "AND indexdef LIKE '%%gin_trgm_ops%%'"
        )
        assert [row[0] for row in cursor.fetchall()] == ["inventory_device_search_text_trgm"]
        # A test table is small: without scans of the whole table or of another index in
        # order (the list's newest first), only a bitmap scan of an index answers, if one can.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        searched = Device.objects.filter(search_text__icontains="abc2").order_by()
        sql, params = searched.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "inventory_device_search_text_trgm" in plan, plan
