"""ReportJob moved to the reports app with its table: this app only forgets it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0007_device_milestones"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ReportJob")],
            database_operations=[],
        ),
    ]
