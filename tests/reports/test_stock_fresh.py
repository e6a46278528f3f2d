"""The stock report page: its figures (one scan of the user's whole scope) from the cache.
After a change the previous figures show with their time while one refresh counts them again
in the background, in the reader's language; without a worker they are counted at once."""

import html
from unittest import mock

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from reports import stock, tasks
from tests.factories import make_batch, make_device

pytestmark = pytest.mark.django_db


def page(client) -> str:
    return html.unescape(client.get(reverse("inventory:stock_report")).content.decode())


def received(body: str) -> str:
    """The page's count of devices (all received here)."""
    return body.split('<div class="stats">')[1].split("<strong>")[1].split("</strong>")[0]


def test_after_a_change_the_page_shows_the_previous_figures_then_the_new_ones(
    client, technician, workshop, django_capture_on_commit_callbacks
):
    batch = make_batch(workshop)
    make_device(batch)
    client.force_login(technician)
    with (
        override_settings(CELERY_TASK_ALWAYS_EAGER=False),
        mock.patch.object(stock.current_app, "send_task") as send,
    ):
        before = page(client)
        assert received(before) == "1" and "Chiffres calculés le" not in before
        make_device(batch)
        make_device(batch)
        with django_capture_on_commit_callbacks(execute=True):
            stale = page(client)
        assert received(stale) == "1" and "Chiffres calculés le" in stale
        (name, args), _kw = send.call_args
        assert name == stock.STOCK_REFRESH_TASK and args == (technician.pk, "fr")
        with django_capture_on_commit_callbacks(execute=True):
            page(client)
        assert send.call_count == 1  # one refresh at a time
        with translation.override("en"):
            tasks.stock_report_refresh_task(*args)
        fresh = page(client)
    assert received(fresh) == "3" and "Chiffres calculés le" not in fresh
    # Counted in the reader's language, not the worker's: the statuses' labels are French.
    assert 'text-anchor="end">Reçu</text>' in fresh and ">Received<" not in fresh


def test_without_a_worker_the_page_counts_a_change_at_once(client, technician, workshop):
    batch = make_batch(workshop)
    make_device(batch)
    client.force_login(technician)
    assert received(page(client)) == "1"
    make_device(batch)
    assert received(page(client)) == "2"


def test_each_scope_has_its_own_figures(client, technician, other_technician, workshop):
    make_device(make_batch(workshop))
    client.force_login(technician)
    assert received(page(client)) == "1"
    client.force_login(other_technician)
    assert received(page(client)) == "0"
