"""The funder's home: this quarter's protected key figures from the cache. After a change the
previous figures show, with their time, while one refresh counts them again in the background
(in the reader's language); without a worker they are counted in the request."""

import html
from unittest import mock

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from accounts.enums import Role
from reports import funder as funder_module
from reports import tasks
from reports.periods import MONTH, Period
from reports.today import this_quarter
from tests.factories import member
from tests.reports.test_funder_report import funded  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def figures(client, user) -> str:
    client.force_login(user)
    body = html.unescape(client.get(reverse("home")).content.decode())
    return (
        body.split('id="quarter-figures"')[1].split("</div>\n</div>")[0]
        + body.split('id="today-funder"')[1].split("</section>")[0]
    )


def devices_shown(text: str) -> str:
    return text.split("<strong>")[1].split("</strong>")[0]


def test_after_a_change_the_home_shows_the_previous_figures_then_the_new_ones(
    client,
    funded,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    reader = member(funded["funder"], Role.READER, username="funder-home-fresh")
    with (
        override_settings(CELERY_TASK_ALWAYS_EAGER=False),
        mock.patch.object(funder_module.current_app, "send_task") as send,
    ):
        before = figures(client, reader)
        assert devices_shown(before) == "7"  # 6 in Colombes and 1 in Nanterre, this month
        for i in range(3):
            funded["equip"]("colombes", f"C-fresh-{i}", "26-44")
        with django_capture_on_commit_callbacks(execute=True):
            stale = figures(client, reader)
        assert devices_shown(stale) == "7"
        assert "Chiffres calculés le" in stale
        (name, (user_id, period_key, language, programme, territory)), _kw = send.call_args
        assert name == funder_module.REFRESH_TASK
        assert (user_id, period_key, language) == (reader.pk, this_quarter().key, "fr")
        assert (programme, territory) == (None, "")
        with django_capture_on_commit_callbacks(execute=True):
            figures(client, reader)
        assert send.call_count == 1  # one refresh at a time
        with translation.override("en"):
            tasks.funder_report_refresh_task(user_id, period_key, language)
        fresh = figures(client, reader)
        assert devices_shown(fresh) == "10" and "Chiffres calculés le" not in fresh
        # Counted in the reader's language, not the worker's: "0,020 t", not "0.020 t".
        reused = fresh.split("<strong>")[6].split("</strong>")[0]
        assert reused.endswith("t") and "," in reused, reused


def test_without_a_worker_the_home_counts_a_change_at_once(settings, client, funded):  # noqa: F811
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the PostgreSQL run has a broker
    reader = member(funded["funder"], Role.READER, username="funder-home-eager")
    assert devices_shown(figures(client, reader)) == "7"
    funded["equip"]("colombes", "C-eager", "26-44")
    assert devices_shown(figures(client, reader)) == "8"


def test_the_funder_report_page_reads_its_filters_figures_from_the_cache(
    client,
    funded,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """The report page of a period, a programme and a territory: after a change the previous
    figures with their time, one refresh queued with the same filters, then the new figures."""
    reader = member(funded["funder"], Role.READER, username="funder-page-fresh")
    client.force_login(reader)
    today = timezone.localdate()
    form = {
        "year": today.year,
        "part": f"{today.month:02d}",
        "programme": funded["programme"].pk,
        "territory": "92025",
    }
    url = reverse("beneficiaries:funder_report")

    def shown() -> str:
        return html.unescape(client.get(url, form).content.decode())

    def tables(body: str) -> str:
        return body[body.index("<table") : body.rindex("</table>")]

    with (
        override_settings(CELERY_TASK_ALWAYS_EAGER=False),
        mock.patch.object(funder_module.current_app, "send_task") as send,
    ):
        before = shown()
        assert "Chiffres calculés le" not in before  # no entry yet: counted in the request
        for i in range(3):
            funded["equip"]("colombes", f"C-page-{i}", "26-44")
        with django_capture_on_commit_callbacks(execute=True):
            stale = shown()
        assert "Chiffres calculés le" in stale
        (name, args), _kw = send.call_args
        assert name == funder_module.REFRESH_TASK
        assert args[1:] == (
            Period(today.year, MONTH, today.month).key,
            "fr",
            form["programme"],
            "92025",
        )
        tasks.funder_report_refresh_task(*args)
        fresh = shown()
    assert "Chiffres calculés le" not in fresh
    # The stale page shows the figures from before the change, whole; the fresh one new ones.
    assert tables(stale) == tables(before) != tables(fresh)
    assert send.call_count == 1
