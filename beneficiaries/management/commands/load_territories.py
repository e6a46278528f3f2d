import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from beneficiaries.territories import territories_files_missing, territories_load


def default_path() -> Path:
    """In development and CI the repository is cloned with `shared` beside it."""
    return settings.BASE_DIR.parent / "shared" / "data" / "territories"


class Command(BaseCommand):
    help = (
        "Load (insert or update) communes, EPCI, EPT and departments from the open data of the "
        "official geographic code: communes.csv, epci.csv and ept.csv. Without --department, "
        "the whole country. Running it again updates the rows and creates no duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--path",
            type=Path,
            default=None,
            help=f"Folder with the CSV files (default: {default_path()})",
        )
        parser.add_argument(
            "--department",
            action="append",
            dest="departments",
            default=[],
            metavar="CODE",
            help="Only this department (92, 2A, 974); repeatable",
        )

    def handle(self, *args, path, departments, **options):
        folder = (path or default_path()).expanduser()
        if not folder.is_dir():
            raise CommandError(f"No territories folder at {folder} (give one with --path).")
        missing = territories_files_missing(folder)
        if missing:
            names = ", ".join(m.name for m in missing)
            raise CommandError(f"Missing in {folder}: {names}.")
        started = time.monotonic()
        communes, territories = territories_load(
            folder, departments=set(departments) if departments else None
        )
        scope = ", ".join(sorted(departments)) if departments else "whole country"
        self.stdout.write(
            f"{communes} commune(s) and {territories} territory(ies) loaded from {folder} "
            f"({scope}) in {time.monotonic() - started:.1f} s."
        )
