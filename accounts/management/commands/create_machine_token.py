from django.core.management.base import BaseCommand, CommandError

from accounts.enums import OrganisationKind
from accounts.models import Organisation
from accounts.services import machine_token_create


class Command(BaseCommand):
    help = "Create an API token for a workshop machine and print its key (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("--workshop", required=True, help="Workshop id or exact name")
        parser.add_argument("--label", required=True, help='e.g. "Intake bench PC 1"')

    def handle(self, *args, workshop, label, **options):
        qs = Organisation.objects.filter(kind=OrganisationKind.WORKSHOP)
        org = (
            qs.filter(pk=workshop).first()
            if workshop.isdigit()
            else qs.filter(name=workshop).first()
        )
        if org is None:
            raise CommandError(f"No workshop {workshop!r}.")
        token, key = machine_token_create(workshop=org, label=label)
        self.stdout.write(f"Token for {org} — {label}:\n{key}")
