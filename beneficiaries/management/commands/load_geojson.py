from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from beneficiaries.geography import SHIPPED, GeoFileError, outlines_load


class Command(BaseCommand):
    help = (
        "Load (insert or replace) commune or department outlines from GeoJSON files of the "
        "shape of shared/data/geo/ (one feature each, properties `code` and `nom`). All the "
        "files or, on any error, nothing. Without FILE, the outlines the project ships "
        "(Hauts-de-Seine's communes, Île-de-France's departments)."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path, metavar="FILE")

    def handle(self, *args, files, **options):
        paths = files or list(SHIPPED)
        total = 0
        with transaction.atomic():
            for path in paths:
                try:
                    content = path.expanduser().read_bytes()
                except OSError as exc:
                    raise CommandError(f"{path}: {exc.strerror}. Nothing was loaded.") from exc
                try:
                    loaded = outlines_load(content)
                except GeoFileError as exc:
                    raise CommandError(f"{path}: {exc}") from exc
                total += loaded
                self.stdout.write(f"{path.name}: {loaded} outlines")
        self.stdout.write(self.style.SUCCESS(f"{total} outlines loaded."))
