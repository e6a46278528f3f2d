from django.db import migrations, models
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce


def recount(apps, schema_editor):
    """The batches already there get the count of their devices, in one UPDATE."""
    Batch = apps.get_model("inventory", "CollectionBatch")
    Device = apps.get_model("inventory", "Device")
    per_batch = (
        Device.objects.filter(batch=OuterRef("pk"))
        .order_by()
        .values("batch")
        .annotate(n=Count("*"))
        .values("n")
    )
    Batch.objects.update(
        logged_count=Coalesce(Subquery(per_batch, output_field=IntegerField()), 0)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0017_stock_count_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="collectionbatch",
            name="logged_count",
            field=models.PositiveIntegerField(
                default=0, editable=False, verbose_name="devices logged"
            ),
        ),
        migrations.RunPython(recount, migrations.RunPython.noop, elidable=True),
    ]
