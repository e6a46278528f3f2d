"""Schedule the monthly funder reports (django-celery-beat): the 1st at 8:00, Paris time."""

from django.db import migrations


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="8", day_of_week="*", day_of_month="1", month_of_year="*",
        timezone="Europe/Paris")
    PeriodicTask.objects.get_or_create(
        name="Rapports financeurs mensuels",
        defaults={"task": "beneficiaries.tasks.funder_reports_monthly_task",
                  "crontab": crontab, "queue": "pdf"})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task="beneficiaries.tasks.funder_reports_monthly_task").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0004_impact_factors"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
