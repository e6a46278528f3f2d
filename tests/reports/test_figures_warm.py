"""The nightly count of the funder figures: one reader per scope has its home's quarter and
its report's year counted, and its map queued, so that the morning's first request (a funder
reading once a month) finds them instead of counting them in the request."""

from unittest import mock

import pytest
from django.test import override_settings
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from accounts.enums import Role
from accounts.models import User
from reports import funder as funder_module
from reports import tasks, today
from tests.factories import member
from tests.reports.test_funder_report import funded  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def test_each_scope_is_counted_once_and_the_morning_reads_it(
    client,
    funded,  # noqa: F811
    coordinator,
    technician,
):
    first = member(funded["funder"], Role.READER, username="warm-reader-1")
    member(funded["funder"], Role.READER, username="warm-reader-2")  # the same scope
    with mock.patch.object(tasks.current_app, "send_task") as send:
        counted = tasks.figures_warm_nightly_task()
    # The funder's readers share one scope; the coordination is another; a technician reads
    # no funder report.
    assert counted == 2
    queued = sorted(args[0] for (_name, args), _kw in send.call_args_list)
    assert len(queued) == 2 and all(
        n == tasks.MAP_REFRESH_TASK for (n, _a), _k in send.call_args_list
    )
    assert first.pk in queued and technician.pk not in queued

    # In the morning, with a worker: the home and the report page read the night's figures,
    # whole and current, without counting anything in the request.
    refused = mock.patch.object(
        funder_module, "funder_report_build", side_effect=AssertionError("counted again")
    )
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False), refused:
        client.force_login(first)
        home = client.get(reverse("home")).content.decode()
        assert 'id="quarter-figures"' in home and "Chiffres calculés le" not in home
        page = client.get(reverse("beneficiaries:funder_report"))
        assert page.status_code == 200 and "Chiffres calculés le" not in page.content.decode()


def test_the_count_is_scheduled_every_night():
    task = PeriodicTask.objects.get(task="reports.tasks.figures_warm_nightly_task")
    assert (task.crontab.hour, task.crontab.minute) == ("4", "0")
    assert str(task.crontab.timezone) == "Europe/Paris" and task.enabled


def test_the_readers_are_found_in_a_fixed_number_of_queries(
    funded,  # noqa: F811
    coordinator,
    technician,
    django_assert_num_queries,
):
    """The users, then all their memberships with their organisations: not one query per user."""
    for i in range(5):
        member(funded["funder"], Role.READER, username=f"warm-many-{i}")
    with django_assert_num_queries(2):
        readers = today.figures_readers(User.objects.all())
    assert len(readers) == 2
