import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from inventory.hardware import HardwareReportError
from inventory.hardware_ingest import describe_differences, hardware_report_ingest
from inventory.models import CollectionBatch


class Command(BaseCommand):
    help = (
        "Read `lshw -json` reports (one file per machine) and fill or create the devices. "
        "Each report is all or nothing; exit status 1 if any report could not be read."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="lshw -json output files")
        parser.add_argument(
            "--smartctl",
            action="append",
            default=[],
            help="smartctl --json output (with one report only); repeatable",
        )
        parser.add_argument("--battery", help="JSON file with energy_full, energy_full_design")
        parser.add_argument("--batch", type=int, help="Batch for devices not known yet")
        parser.add_argument("--user", required=True, help="Username acting (a technician)")

    def handle(self, *args, files, smartctl, battery, batch, user, **options):
        if smartctl and len(files) > 1:
            raise CommandError("--smartctl goes with a single lshw report.")
        actor = User.objects.filter(username=user).first()
        if actor is None:
            raise CommandError(f"No user {user!r}.")
        batch_obj = None
        if batch is not None:
            batch_obj = CollectionBatch.objects.visible_to(actor).filter(pk=batch).first()
            if batch_obj is None:
                raise CommandError(f"No batch with id {batch} visible to {user}.")
        try:
            smart = [Path(p).read_bytes() for p in smartctl]
            battery_data = json.loads(Path(battery).read_text()) if battery else None
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read --smartctl/--battery: {exc}") from None
        failures = 0
        for name in files:
            try:
                with transaction.atomic():
                    result = hardware_report_ingest(
                        user=actor,
                        lshw=Path(name).read_bytes(),
                        smartctl=smart,
                        battery=battery_data,
                        batch=batch_obj,
                    )
            except (HardwareReportError, OSError) as exc:
                failures += 1
                self.stderr.write(f"{name}: {exc}")
                continue
            if result.held:
                self.stdout.write(
                    f"{name}: {result.device.asset_tag} held for a technician's confirmation "
                    f"(nothing applied): {describe_differences(result.pending.differences)}"
                )
                continue
            verb = "created" if result.created else "updated"
            self.stdout.write(f"{name}: {result.device.asset_tag} {verb}")
            for warning in result.warnings:
                self.stdout.write(f"  warning: {warning}")
        if failures:
            raise CommandError(f"{failures} report(s) could not be read.")
