from django.db import transaction

from .enums import OrganisationKind, Role
from .models import MachineToken, Membership, Organisation, User


@transaction.atomic
def machine_token_create(*, workshop: Organisation, label: str) -> tuple[MachineToken, str]:
    """Create a workshop machine's API token; returns it with the clear key, shown only once."""
    if workshop.kind != OrganisationKind.WORKSHOP:
        raise ValueError("A machine token belongs to a workshop.")
    key = MachineToken.generate_key()
    user = User.objects.create(
        username=f"machine-{workshop.pk}-{key[:8]}", is_machine=True, first_name=label[:150]
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    Membership.objects.create(user=user, organisation=workshop, role=Role.MACHINE)
    token = MachineToken(workshop=workshop, label=label, user=user)
    token.set_key(key)
    token.save()
    return token, key
