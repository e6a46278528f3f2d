"""Notices: the events that make someone act reach them in the app and by one mail each,
after the commit, in French with a link; each person turns each kind off; everyone reads
their own notices only."""

import datetime as dt
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from beneficiaries import allocations, notifications, orders, services
from beneficiaries.models import EligibilityCriterion, TrainingProgramme
from notices import tasks
from notices.enums import NoticeKind as K
from notices.models import Notice, NoticePreference
from notices.services import notices_mark_all_read, notify, preferences_save
from tests.beneficiaries.test_orders_bend import ready
from tests.factories import member

pytestmark = pytest.mark.django_db


def submitted(structure, mediator, lines=None):
    order = orders.order_create(
        structure=structure,
        user=mediator,
        lines=lines or [{"device_type": "laptop", "quantity": 1}],
    )
    return orders.order_submit(order=order, user=mediator)


def mails_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_approving_an_order_tells_the_structure_and_the_workshop_after_the_commit(
    structure,
    mediator,
    colleague,
    reader,
    coordinator,
    workshop,
    mail_technician,
    django_capture_on_commit_callbacks,
):
    order = submitted(structure, mediator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    # The notices are written with the decision; no mail leaves before the commit.
    assert mail.outbox == []
    assert sorted(
        Notice.objects.filter(kind=K.ORDER_DECIDED).values_list("recipient__username", flat=True)
    ) == ["med", "med2"]  # the reader acts for nobody: not told
    to_prepare = Notice.objects.get(kind=K.ORDER_TO_PREPARE)
    assert to_prepare.recipient == mail_technician
    assert to_prepare.text == (
        f"Commande {order.reference} de Centre social Les Acacias à préparer : 1 appareil."
    )
    for callback in callbacks:
        callback()
    assert len(mails_to("med@example.org")) == 1
    assert len(mails_to("med2@example.org")) == 1
    assert len(mails_to("tech@example.org")) == 1
    assert mails_to("lecteur@example.org") == []
    message = mails_to("med@example.org")[0]
    assert message.subject == (
        f"Filière · Commande {order.reference} approuvée : Atelier Nanterre la prépare."
    )
    assert "Bonjour," in message.body
    assert f"http://127.0.0.1:8000/commandes/{order.pk}/" in message.body
    assert "Pour choisir les avis que vous recevez : http://127.0.0.1:8000/avis/preferences/" in (
        message.body
    )


def test_a_rolled_back_decision_sends_nothing(
    structure, mediator, coordinator, workshop, django_capture_on_commit_callbacks
):
    order = submitted(structure, mediator)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
            raise RuntimeError("the request failed after the decision")
    assert callbacks == [] and mail.outbox == [] and not Notice.objects.exists()


def test_a_refusal_tells_the_structure_without_the_reason(
    structure, mediator, coordinator, django_capture_on_commit_callbacks
):
    order = submitted(structure, mediator)
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_decide(
            order=order, user=coordinator, approve=False, note="Awa Traoré a déjà un appareil"
        )
    notice = Notice.objects.get(recipient=mediator)
    assert notice.text == (
        f"Commande {order.reference} refusée : le motif figure sur la page de la commande."
    )
    (message,) = mail.outbox
    assert "Traoré" not in message.body and "Traoré" not in message.subject


def test_a_person_who_turned_a_kind_off_gets_none_of_it(
    structure, mediator, colleague, coordinator, workshop, django_capture_on_commit_callbacks
):
    preferences_save(colleague, {K.ORDER_DECIDED: (False, False)})
    # Mail off, the app on: the notice only.
    preferences_save(mediator, {K.ORDER_DECIDED: (False, True)})
    order = submitted(structure, mediator)
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    assert not Notice.objects.filter(recipient=colleague).exists()
    assert Notice.objects.filter(recipient=mediator, kind=K.ORDER_DECIDED).count() == 1
    assert mails_to("med@example.org") == [] and mails_to("med2@example.org") == []


def test_an_order_made_ready_tells_the_structure(
    structure, mediator, coordinator, workshop, technician, django_capture_on_commit_callbacks
):
    ready(workshop, technician)
    order = submitted(structure, mediator)
    order = orders.order_decide(order=order, user=coordinator, approve=True, workshop=workshop)
    orders.order_reserve(order=order, user=technician)
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_mark_ready(order=order, user=technician)
    notice = Notice.objects.get(recipient=mediator, kind=K.ORDER_READY)
    assert notice.text == f"Commande {order.reference} prête à retirer chez Atelier Nanterre."
    assert [m.to for m in mail.outbox] == [["med@example.org"]]


def test_the_mail_task_is_retried_when_the_mail_server_fails(
    mediator, django_capture_on_commit_callbacks
):
    task = tasks.send_notice_mail
    assert task.autoretry_for == (OSError, OperationalError)  # smtplib's errors are OSErrors
    assert (task.max_retries, task.retry_backoff, task.retry_backoff_max) == (6, 60, 3600)
    assert task.acks_late
    args = (mediator.pk, K.ORDER_READY, "Commande prête.", "/commandes/1/")
    down = mock.patch.object(mail.EmailMessage, "send", side_effect=ConnectionRefusedError)
    # The mail server refuses: the task asks Celery to run it again later.
    with down, pytest.raises(Retry):
        task.apply(args)
    assert mail.outbox == []
    task.apply(args)
    assert len(mail.outbox) == 1
    # Without a broker the task runs in the web process: a failing mail server costs the
    # mail, not the page nor the notice.
    mail.outbox.clear()
    with down, django_capture_on_commit_callbacks(execute=True):
        notify([mediator], K.ORDER_READY, "Commande CMD-7 prête.", "/commandes/7/")
    assert mail.outbox == [] and Notice.objects.filter(text="Commande CMD-7 prête.").exists()


def test_the_list_shows_only_ones_own_notices_and_marks_them_read(
    client, mediator, colleague, django_capture_on_commit_callbacks
):
    notify([mediator], K.ORDER_READY, "Commande CMD-1 prête.", "/commandes/1/")
    notify([colleague], K.ORDER_READY, "Commande CMD-2 prête.", "/commandes/2/")
    client.force_login(mediator)
    page = client.get(reverse("notices:list")).content.decode()
    assert "Commande CMD-1 prête." in page and "CMD-2" not in page
    assert 'id="notices-link">Avis <span class="badge">1<' in page
    mine = Notice.objects.get(recipient=mediator)
    theirs = Notice.objects.get(recipient=colleague)
    # Someone else's notice: not found, not marked.
    assert client.post(reverse("notices:read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    response = client.post(reverse("notices:read", args=[mine.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/commandes/1/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    page = client.get(reverse("notices:list")).content.decode()
    assert 'class="badge">1<' not in page and "Tout marquer comme lu" not in page


def test_mark_all_read(client, mediator, colleague):
    for n in range(3):
        notify([mediator], K.ORDER_READY, f"Commande CMD-{n} prête.", "")
    notify([colleague], K.ORDER_READY, "Commande CMD-9 prête.", "")
    client.force_login(mediator)
    assert "Tout marquer comme lu" in client.get(reverse("notices:list")).content.decode()
    client.post(reverse("notices:read_all"))
    assert not Notice.objects.filter(recipient=mediator, read_at__isnull=True).exists()
    assert Notice.objects.filter(recipient=colleague, read_at__isnull=True).count() == 1


def test_the_settings_page_turns_kinds_off_and_on(client, mediator):
    client.force_login(mediator)
    page = client.get(reverse("notices:preferences")).content.decode()
    # A structure's member is offered the structure's kinds, all on.
    assert "Commande approuvée ou refusée" in page and "Séance de formation le lendemain" in page
    assert "Commande à préparer" not in page
    assert 'name="mail-order_decided" id="mail-order_decided" checked' in page
    client.post(
        reverse("notices:preferences"),
        {"app-order_decided": "on", "mail-order_ready": "on", "app-order_ready": "on"},
    )
    assert {(p.kind, p.by_mail, p.in_app) for p in NoticePreference.objects.all()} == {
        (K.ORDER_DECIDED, False, True),
        (K.TRAINING_TOMORROW, False, False),
    }
    page = client.get(reverse("notices:preferences")).content.decode()
    assert 'name="mail-order_decided" id="mail-order_decided">' in page
    assert "Vos réglages d’avis sont enregistrés." in page


def test_the_header_badge_costs_one_query_then_none_until_a_notice_changes(client, mediator):
    """The unread count is one bounded COUNT, kept until a notice of the person's is written
    or read (every page of every request asked it again: issue 17)."""
    client.force_login(mediator)
    url = reverse("notices:preferences")

    def notice_queries():
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(url).content.decode()
        return [q["sql"] for q in ctx.captured_queries if 'FROM "notices_notice"' in q["sql"]], page

    counts, _page = notice_queries()
    assert len(counts) == 1 and "COUNT" in counts[0].upper()
    assert notice_queries()[0] == []  # kept
    for n in range(120):
        notify([mediator], K.ORDER_READY, f"n{n}", "")
    counts, page = notice_queries()
    assert len(counts) == 1 and 'class="badge">99+<' in page
    notices_mark_all_read(user=mediator)
    counts, page = notice_queries()
    assert len(counts) == 1 and 'class="badge">' not in page


def _allocation_at(structure, mediator, workshop, technician, when):
    device = ready(workshop, technician)
    allocation = allocations.allocation_create(device=device, structure=structure, user=mediator)
    type(allocation).objects.filter(pk=allocation.pk).update(handed_over_at=when)
    return allocation


def test_the_handover_digest_goes_to_each_coordinator_and_not_on_an_empty_day(
    structure, mediator, workshop, technician, mail_coordinator, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    noon = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(12)))
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.handover_digest_send() == 0
    assert mail.outbox == [] and not Notice.objects.exists()
    _allocation_at(structure, mediator, workshop, technician, noon)
    _allocation_at(structure, mediator, workshop, technician, noon)
    # Today's hand-over waits for tomorrow's digest.
    _allocation_at(structure, mediator, workshop, technician, timezone.now())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.handover_digest_send() == 1
    notice = Notice.objects.get(kind=K.HANDOVER_DIGEST)
    assert notice.recipient == mail_coordinator
    assert notice.text.startswith("2 appareils remis le ")
    assert notice.text.endswith(" : Centre social Les Acacias (2).")
    (message,) = mail.outbox
    assert message.to == ["coord@example.org"]
    assert f"/rapports/financeurs/lignes/?from={yesterday}&to={yesterday}" in message.body
    # The beat runs twice: nobody is told twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.handover_digest_send() == 0
    assert len(mail.outbox) == 1 and Notice.objects.count() == 1


def test_the_training_reminder_goes_to_the_structure_for_tomorrows_sessions(
    structure, mediator, reader, django_capture_on_commit_callbacks
):
    programme = TrainingProgramme.objects.get(title="Premiers pas avec son équipement")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.training_tomorrow_send() == 0
    assert mail.outbox == []
    session = services.session_create(
        structure=structure,
        user=mediator,
        programme=programme,
        modules=programme.modules.all(),
        starts_at=timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(14, 30))),
        place="Salle 2",
        trainer="Lina",
        capacity=8,
    )
    person = services.person_create(
        structure=structure,
        user=mediator,
        first_name="Awa",
        last_name="Traoré",
        eligibility=EligibilityCriterion.objects.get(code="rsa"),
        age_band="26-44",
        situation="job_seeker",
        consent_purpose="Attribution",
        consent_given_on=dt.date(2026, 11, 2),
        eligibility_checked_on=dt.date(2026, 11, 2),
    )
    services.enrol(session=session, person=person, user=mediator)
    # A session the day after tomorrow is not announced yet.
    services.session_create(
        structure=structure,
        user=mediator,
        programme=programme,
        modules=programme.modules.all(),
        starts_at=timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(9)))
        + dt.timedelta(days=1),
        place="Salle 3",
        trainer="Lina",
        capacity=8,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.training_tomorrow_send() == 1
    notice = Notice.objects.get(kind=K.TRAINING_TOMORROW)
    assert notice.recipient == mediator
    assert notice.text == (
        f"Formation « {programme.title} » demain à 14 h 30, Salle 2 : 1 personne inscrite."
    )
    (message,) = mail.outbox
    assert message.to == ["med@example.org"] and "Traoré" not in message.body
    assert f"http://127.0.0.1:8000/formations/{session.pk}/" in message.body
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.training_tomorrow_send() == 0
    assert len(mail.outbox) == 1


def test_the_daily_notices_are_scheduled():
    tasks_scheduled = {
        t.task: (t.crontab.hour, t.crontab.minute)
        for t in PeriodicTask.objects.filter(crontab__isnull=False).select_related("crontab")
    }
    assert tasks_scheduled["beneficiaries.tasks.handover_digest_daily_task"] == ("7", "30")
    assert tasks_scheduled["beneficiaries.tasks.training_tomorrow_daily_task"] == ("10", "0")


def test_telling_many_people_costs_what_telling_one_does(structure, mediator):
    """notify() reads the preferences once and writes the notices in one INSERT."""
    with CaptureQueriesContext(connection) as one:
        notify([mediator], K.ORDER_READY, "Commande prête.", "")
    many = [member(structure, "staff", email=f"m{n}@example.org") for n in range(20)]
    with CaptureQueriesContext(connection) as twenty:
        notify(many, K.ORDER_READY, "Commande prête.", "")
    assert len(one.captured_queries) == len(twenty.captured_queries) == 2
    assert Notice.objects.count() == 21


def test_the_list_costs_the_same_for_5_and_50_notices(client, mediator):
    client.force_login(mediator)
    url = reverse("notices:list")
    counts = []
    for total in (5, 50):
        Notice.objects.bulk_create(
            Notice(recipient=mediator, kind=K.ORDER_READY, text=f"n{n}", url="/commandes/1/")
            for n in range(total - Notice.objects.count())
        )
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(url).content.decode()
        counts.append(len(ctx.captured_queries))
    print(f"\nnotice list: {counts} queries for 5 and 50 notices")
    assert counts[0] == counts[1]
    assert page.count('class="card unread"') == 50
