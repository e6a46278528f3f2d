"""A list counts its rows up to core.pagination.LIST_COUNTED for "Page 2 of 100", then says
"of more than 100" and still pages on (issue 17: a COUNT(*) over a coordinator's 330,000
orders was half of the order list's time; nothing a page shows may cost in proportion to the
user's scope). Every row stays reachable."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import Donor

pytestmark = pytest.mark.django_db


@pytest.fixture
def donors(workshop):
    # Names sort as they were created: page N holds donors 50(N-1)+1 to 50N.
    Donor.objects.bulk_create(
        Donor(workshop=workshop, name=f"Donateur {i:03d}") for i in range(1, 131)
    )


@pytest.fixture
def counted(monkeypatch):
    monkeypatch.setattr("core.pagination.LIST_COUNTED", 100)


def _names(response) -> list[str]:
    return re.findall(r"Donateur \d{3}", response.content.decode())


def _pager(response) -> str:
    return re.search(r'<nav class="pager".*?</nav>', response.content.decode(), re.S).group(0)


def test_a_list_longer_than_its_count_says_more_and_pages_to_its_end(tech_client, donors, counted):
    first = tech_client.get("/donateurs/")
    assert "Page 1 sur plus de 2" in _pager(first)
    assert _names(first)[0] == "Donateur 001" and len(set(_names(first))) == 50
    assert "page=2" in _pager(first)

    # Past the counted rows: the third page holds the last 30 donors, and no "Next".
    third = tech_client.get("/donateurs/?page=3")
    assert set(_names(third)) == {f"Donateur {i:03d}" for i in range(101, 131)}
    pager = _pager(third)
    # A page past the counted ones is only numbered: "Page 3 of more than 2" is true but odd.
    assert "<span>Page 3</span>" in pager and "plus de" not in pager
    assert "page=2" in pager and "page=4" not in pager
    assert "<span>Page 2 sur plus de 2</span>" in _pager(tech_client.get("/donateurs/?page=2"))


def test_a_page_past_the_end_or_past_any_number_shows_the_last_counted_page(
    tech_client, donors, counted
):
    counted_last = {f"Donateur {i:03d}" for i in range(51, 101)}
    for page in ("4", "99999999999999999999", "0", "-3"):
        response = tech_client.get(f"/donateurs/?page={page}")
        assert response.status_code == 200, page
        assert set(_names(response)) == counted_last, page
    assert _names(tech_client.get("/donateurs/?page=abc"))[0] == "Donateur 001"


def test_the_count_reads_no_more_than_the_counted_rows(tech_client, donors, counted):
    with CaptureQueriesContext(connection) as ctx:
        tech_client.get("/donateurs/")
    counts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT COUNT(")]
    donor_counts = [sql for sql in counts if "inventory_donor" in sql]
    assert len(donor_counts) == 1 and donor_counts[0].endswith("LIMIT 101) subquery")
    # Only the rows' ids are counted, not the batches each donor has.
    assert "inventory_collectionbatch" not in donor_counts[0]


def test_a_list_within_its_count_numbers_its_pages_exactly(tech_client, donors):
    second = tech_client.get("/donateurs/?page=2")
    assert "Page 2 sur 3" in _pager(second)
    last = tech_client.get("/donateurs/?page=9")
    assert "Page 3 sur 3" in _pager(last)
    assert set(_names(last)) == {f"Donateur {i:03d}" for i in range(101, 131)}
