"""Schedule (django-celery-beat) the retention job, daily at 3:30 Paris time, and the sweep of
background jobs, every 5 minutes: jobs stuck running past their time limit are marked failed,
jobs whose publication failed (broker down) are published again. The sweep is an inventory
task; it is scheduled here with the retention job so that both schedules ship together."""

from django.db import migrations

ANONYMISE = "beneficiaries.tasks.people_anonymise_inactive_task"
SWEEP = "inventory.tasks.jobs_sweep_task"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="3",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/Paris",
    )
    PeriodicTask.objects.get_or_create(
        name="Anonymisation des personnes inactives depuis 2 ans",
        defaults={"task": ANONYMISE, "crontab": crontab},
    )
    every, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="Traitements en arrière-plan : relance et échecs",
        defaults={"task": SWEEP, "interval": every},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task__in=[ANONYMISE, SWEEP]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0006_privacy_audit"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
