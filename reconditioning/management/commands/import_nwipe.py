from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import permissions
from accounts.models import User
from inventory.models import Device
from reconditioning import services
from reconditioning.enums import ErasureResult, NistLevel, Sanitization
from reconditioning.nwipe import NwipeLogError


def _date(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M:%S}" if value else "?"


class Command(BaseCommand):
    help = (
        "Import nwipe logs (a wipe station's folder) as erasure records: each wiped drive is "
        "matched by serial number among the user's devices (or the --device one). Each log is "
        "all or nothing; exit status 1 if any log was refused. --dry-run writes nothing and "
        "says what would be recorded."
    )

    def add_arguments(self, parser):
        parser.add_argument("logs", nargs="+", help="nwipe log files (nwipe_log_….txt)")
        parser.add_argument("--user", required=True, help="Username acting (a technician)")
        parser.add_argument("--device", help="Asset tag of the one device the logs are about")
        parser.add_argument("--dry-run", action="store_true", help="Check and print, write nothing")

    def handle(self, *args, logs, user, device, dry_run, **options):
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(_("No active user %(user)s.") % {"user": user})
        devices = Device.objects.visible_to(actor)
        if device:
            devices = devices.filter(asset_tag=device.strip().upper())
            if not devices.exists():
                raise CommandError(
                    _("No device %(tag)s visible to %(user)s.") % {"tag": device, "user": user}
                )
        refused = 0
        for name in logs:
            try:
                content = Path(name).read_bytes()
                plan = services.nwipe_log_plan(devices=devices, content=content)
                problems = list(plan.problems)
                for erasure in plan.erasures:
                    if erasure.drive is not None:
                        try:
                            permissions.require(actor, "inventory.work_on", erasure.drive.device)
                        except PermissionDenied as exc:
                            problems.append(f"{erasure.drive.device.asset_tag}: {exc}")
                self.report(name, plan, dry_run)
                if problems:
                    raise ValidationError(problems)
                if not dry_run:
                    with transaction.atomic():
                        records = services.nwipe_log_import(
                            devices=devices, content=content, user=actor
                        )
                    passed = sum(r.result == "passed" for r in records)
                    self.stdout.write(
                        ngettext(
                            "%(log)s: accepted, %(n)s erasure record, %(ok)s passed.",
                            "%(log)s: accepted, %(n)s erasure records, %(ok)s passed.",
                            len(records),
                        )
                        % {"log": name, "n": len(records), "ok": passed}
                    )
                else:
                    self.stdout.write(
                        _("%(log)s: would be accepted (dry run: nothing written).") % {"log": name}
                    )
            except (OSError, NwipeLogError, ValidationError) as exc:
                refused += 1
                reasons = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                verb = (
                    _("%(log)s: would be refused (dry run).")
                    if dry_run
                    else _("%(log)s: refused, nothing recorded.")
                )
                self.stderr.write(verb % {"log": name})
                for reason in reasons:
                    self.stderr.write(f"  - {reason}")
        if refused:
            raise CommandError(
                ngettext(
                    "%(n)s of %(total)s log refused.", "%(n)s of %(total)s logs refused.", refused
                )
                % {"n": refused, "total": len(logs)}
            )

    def report(self, name: str, plan, dry_run: bool) -> None:
        if not dry_run:
            return
        log = plan.log
        self.stdout.write(f"{name}: nwipe {log.nwipe_version or '?'} {log.host}".rstrip())
        for erasure in plan.erasures:
            wiped = erasure.wiped
            if erasure.drive:
                target = _("matched %(tag)s, drive S/N %(serial)s") % {
                    "tag": erasure.drive.device.asset_tag,
                    "serial": erasure.drive.serial_number,
                }
            else:
                target = _("no matching drive")
            if erasure.nist_level:
                level = NistLevel(erasure.nist_level).label
            elif erasure.sanitization:
                level = _("none (verification only)")
            else:
                level = _("unknown method")
            technique = (
                f" — {Sanitization(erasure.sanitization).label}" if erasure.nist_level else ""
            )
            self.stdout.write(f"  {wiped.device} S/N {wiped.serial or '?'}: {target}")
            self.stdout.write(
                "    "
                + _("method %(method)s: NIST SP 800-88 Rev. 2 %(level)s%(technique)s")
                % {"method": wiped.method or "?", "level": level, "technique": technique}
            )
            self.stdout.write(
                "    "
                + _("started %(start)s, ended %(end)s, result %(result)s")
                % {
                    "start": _date(erasure.started_at),
                    "end": _date(erasure.ended_at),
                    "result": ErasureResult(erasure.result).label,
                }
            )
            for problem in erasure.problems:
                self.stdout.write("    " + _("refused: %(reason)s") % {"reason": problem})
        for warning in log.warnings:
            self.stdout.write("  " + _("warning: %(text)s") % {"text": warning})
