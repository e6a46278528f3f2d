"""After restoring a backup: erase again the people erased since the backup was taken.

On the database that still holds the access log (before restoring, or a copy of it):
    python manage.py replay_erasures --since 2026-11-20 --export erasures.json
On the restored database:
    python manage.py replay_erasures --since 2026-11-20 --from erasures.json
See docs/privacy.md, "Backups and erasure"."""

import json
from datetime import date, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from beneficiaries import privacy


class Command(BaseCommand):
    help = "List the erasures since a date (--export), or replay such a list (--from)."

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="date the backup was taken (YYYY-MM-DD)")
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--export", metavar="FILE", help="write this database's erasures")
        group.add_argument("--from", dest="source", metavar="FILE", help="replay this list")

    def handle(self, *args, since, export, source, **options):
        try:
            since = date.fromisoformat(since)
        except ValueError as exc:
            raise CommandError(f"--since: {exc}") from exc
        if export:
            erasures = privacy.erasures_since(since)
            Path(export).write_text(json.dumps(erasures, indent=2), encoding="utf-8")
            self.stdout.write(f"{len(erasures)} erasure(s) since {since} written to {export}")
            return
        try:
            erasures = json.loads(Path(source).read_text(encoding="utf-8"))
            rows = [(int(e["person"]), e.get("at", ""), e.get("by", "")) for e in erasures]
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise CommandError(f"{source}: {exc}") from exc
        counts = {"erased": 0, "already": 0, "missing": 0}
        for person_id, at, by in rows:
            # An erasure logged before the backup's date is in the backup already. The date is
            # the local one, as --since is (at 00:30 in Paris the UTC date is the day before).
            if at and _local_date(at) < since:
                counts["already"] += 1
                continue
            counts[privacy.erasure_replay(person_id=person_id, at=at, by=by)] += 1
        # Anonymisations the retention job made since the backup come back on their own at its
        # next run; run it now rather than wait for the night.
        anonymised = privacy.people_anonymise_inactive()
        self.stdout.write(
            f"{counts['erased']} erased again, {counts['already']} already erased, "
            f"{counts['missing']} not in this database; retention: {anonymised} anonymised"
        )


def _local_date(at: str) -> date:
    moment = datetime.fromisoformat(at)
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()
