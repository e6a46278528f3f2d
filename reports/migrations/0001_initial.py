"""ReportJob, moved from inventory: the state only, the table inventory_reportjob is kept."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("inventory", "0008_reportjob_moved_to_reports"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="ReportJob",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("stock", "Stock report"), ("funder", "Funder report"), ("donor", "Donor report")], max_length=20, verbose_name="kind")),
                        ("fmt", models.CharField(default="pdf", max_length=5, verbose_name="format")),
                        ("params", models.JSONField(blank=True, default=dict, verbose_name="parameters")),
                        ("status", models.CharField(choices=[("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")], default="queued", max_length=10)),
                        ("progress", models.PositiveSmallIntegerField(default=0)),
                        ("message", models.TextField(blank=True)),
                        ("file", models.FileField(blank=True, upload_to="reports/%Y/%m/")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("requested_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "report job",
                        "verbose_name_plural": "report jobs",
                        "ordering": ["-created_at"],
                        "db_table": "inventory_reportjob",
                    },
                ),
            ],
        ),
    ]
