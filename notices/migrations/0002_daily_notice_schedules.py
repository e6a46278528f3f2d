"""Schedule the daily notices (django-celery-beat, Paris time): yesterday's hand-overs to the
coordination at 7:30, tomorrow's training sessions to the structures at 10:00. The tasks
live with the quasi-don (beneficiaries.tasks); only their names are written here."""

from django.db import migrations

SCHEDULES = [
    (
        "Avis : remises de la veille (coordination)",
        "beneficiaries.tasks.handover_digest_daily_task",
        "30",
        "7",
    ),
    (
        "Avis : formations du lendemain (structures)",
        "beneficiaries.tasks.training_tomorrow_daily_task",
        "0",
        "10",
    ),
]


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="Europe/Paris",
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task__in=[task for _, task, _, _ in SCHEDULES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0001_notices_and_preferences"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
