from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inventory.importing import ImportRefused, import_file
from inventory.models import CollectionBatch


class Command(BaseCommand):
    help = (
        "Import a donor spreadsheet (CSV or XLSX) into a batch, all rows or none. "
        "Exit status 1 when the file has errors."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--batch", required=True, type=int, help="Batch id")
        parser.add_argument("--dry-run", action="store_true", help="Check only, write nothing")

    def handle(self, *args, file, batch, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        batch_obj = CollectionBatch.objects.filter(pk=batch).first()
        if batch_obj is None:
            raise CommandError(f"No batch with id {batch}.")
        try:
            analysis = import_file(
                path.read_bytes(), path.name, batch=batch_obj, user=None, dry_run=dry_run
            )
        except ImportRefused as refused:
            for error in refused.analysis.errors:
                where = f"line {error.line}" if error.line else "file"
                column = f", {error.column}" if error.column else ""
                self.stderr.write(f"{path.name}: {where}{column}: {error.message}")
            raise CommandError(
                f"{len(refused.analysis.errors)} error(s): nothing was imported."
            ) from None
        for warning in analysis.warnings:
            self.stderr.write(f"warning: {warning}")
        verb = "would be imported (dry run)" if dry_run else "imported"
        self.stdout.write(f"{len(analysis.specs)} device(s) {verb} into {batch_obj.reference}.")
