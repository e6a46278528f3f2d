"""Check the chain of proof of every ready, reserved and allocated device (or one)."""

from django.core.management.base import BaseCommand, CommandError

from inventory.models import Device
from reports.audit import chain_audit


class Command(BaseCommand):
    help = "Check the chain of proof of ready, reserved and allocated devices (exit 1 on a break)."

    def add_arguments(self, parser):
        parser.add_argument("--device", help="Asset tag (or serial) of one device")

    def handle(self, *args, device=None, **options):
        devices = Device.objects.all()
        if device:
            devices = devices.filter(asset_tag=device.strip().upper())
            if not devices.exists():
                raise CommandError(f"No device {device!r}.")
        audit = chain_audit(devices)
        for b in audit.breaks:
            for problem in b.problems:
                self.stdout.write(f"{b.asset_tag}: {problem}")
        if not audit.ok:
            self.stderr.write(audit.summary())
            raise SystemExit(1)
        self.stdout.write(audit.summary())
