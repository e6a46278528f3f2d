"""A funder's protected map figures take seconds at a national volume: after a change the
previous figures (whole, protected, with their time) are shown while one refresh runs in the
background; without a worker (tasks run eagerly) they are computed in the request."""

from unittest import mock

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.enums import Role
from maps import layers, tasks
from reports.funder import HIDDEN
from tests.factories import member
from tests.maps.test_map import PERIOD, communes, mapped, outlines  # noqa: F401 (fixtures)
from tests.reports.test_funder_report import funded  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

WITH_WORKER = override_settings(CELERY_TASK_ALWAYS_EAGER=False)


def _send_task():
    return mock.patch.object(layers.current_app, "send_task")


def _stale_after_a_change(client, mapped, reader):  # noqa: F811
    before = communes(client, reader)
    for i in range(5):
        mapped["equip"]("nanterre", f"N{i}", "26-44")
    return before


def test_after_a_change_the_previous_figures_show_while_one_refresh_runs(
    client,
    mapped,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    reader = member(mapped["funder"], Role.READER, username="funder-fresh")
    year = PERIOD.date_from.year
    with WITH_WORKER, _send_task() as send:
        before = _stale_after_a_change(client, mapped, reader)
        assert before["92050"]["allocated"] == HIDDEN  # 1 laptop in Nanterre
        send.assert_not_called()  # the first reader computes: nothing to show before
        with django_capture_on_commit_callbacks(execute=True):
            stale = communes(client, reader)
        assert stale == before  # the previous state, whole
        send.assert_called_once_with(layers.REFRESH_TASK, (reader.pk, year))
        client.force_login(reader)
        with django_capture_on_commit_callbacks(execute=True):
            page = client.get(reverse("maps:map"), {"year": year}).content.decode()
        assert "Chiffres calculés le" in page and "en cours de comptage" in page
        assert send.call_count == 1  # one refresh for everyone who shares the figures
        tasks.map_figures_refresh_task(reader.pk, year)  # what the worker runs
        fresh = communes(client, reader)
        assert fresh["92050"]["allocated"] == 6
        page = client.get(reverse("maps:map"), {"year": year}).content.decode()
        assert "Chiffres calculés le" not in page
        assert send.call_count == 1


def test_an_unreachable_broker_keeps_the_previous_figures_and_tries_again(
    client,
    mapped,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    reader = member(mapped["funder"], Role.READER, username="funder-broker")
    with WITH_WORKER, _send_task() as send:
        before = _stale_after_a_change(client, mapped, reader)
        send.side_effect = OSError("connection refused")
        with django_capture_on_commit_callbacks(execute=True):
            assert communes(client, reader) == before
        with django_capture_on_commit_callbacks(execute=True):
            assert communes(client, reader) == before
        assert send.call_count == 2  # the failed attempt released its turn


def test_without_a_worker_a_change_shows_at_once(settings, client, mapped):  # noqa: F811
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the PostgreSQL run has a broker
    reader = member(mapped["funder"], Role.READER, username="funder-eager")
    with _send_task() as send:
        _stale_after_a_change(client, mapped, reader)
        assert communes(client, reader)["92050"]["allocated"] == 6
    send.assert_not_called()


def test_each_scope_has_its_own_figures(client, mapped, coordinator):  # noqa: F811
    reader = member(mapped["funder"], Role.READER, username="funder-scope")
    with WITH_WORKER, _send_task():
        assert communes(client, coordinator)["92050"]["allocated"] == 1
        assert communes(client, reader)["92050"]["allocated"] == HIDDEN
        assert communes(client, coordinator)["92050"]["allocated"] == 1
