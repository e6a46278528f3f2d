"""Schedule the weekly stock report (django-celery-beat): Mondays at 7:00, Paris time."""

from django.db import migrations


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="7", day_of_week="1", day_of_month="*", month_of_year="*",
        timezone="Europe/Paris")
    PeriodicTask.objects.get_or_create(
        name="Rapport de stock hebdomadaire",
        defaults={"task": "inventory.tasks.stock_report_weekly_task", "crontab": crontab,
                  "queue": "pdf"})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task="inventory.tasks.stock_report_weekly_task").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0003_report_job"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
