"""Schedule the nightly count of the funder figures (django-celery-beat): every day at 4:00,
Paris, after the chain audit."""

from django.db import migrations

TASK = "reports.tasks.figures_warm_nightly_task"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="4",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/Paris",
    )
    PeriodicTask.objects.get_or_create(
        name="Comptage nocturne des chiffres des financeurs",
        defaults={"task": TASK, "crontab": crontab},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_reportjob_chain_audit_kind"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
