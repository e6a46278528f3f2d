import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# La Poste's establishments share one SIREN and do not follow the Luhn rule; INSEE documents
# the exception as "the sum of the digits is a multiple of 5".
LA_POSTE_SIREN = "356000000"


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siret_checksum_ok(siret: str, *, la_poste_sum_only: bool = False) -> bool:
    """Whether 14 digits pass the SIRET check: Luhn, or for La Poste a digit sum that is a
    multiple of 5. With ``la_poste_sum_only`` a La Poste SIRET passes on its digit sum alone,
    as the national schema's ``pivot`` has always been checked (beneficiaries.mednum)."""
    if not siret.startswith(LA_POSTE_SIREN):
        return _luhn_ok(siret)
    sum_ok = sum(int(c) for c in siret) % 5 == 0
    return sum_ok if la_poste_sum_only else (_luhn_ok(siret) or sum_ok)


def normalise_siret(value: str) -> str:
    return "".join(value.split()).replace(".", "")


def validate_siret(value: str) -> None:
    """A SIRET is 14 digits passing the Luhn check (La Poste excepted)."""
    if not value:
        return
    siret = normalise_siret(value)
    if len(siret) != 14 or not siret.isdigit():
        raise ValidationError(
            _("A SIRET has 14 digits (“%(value)s” has not)."),
            code="siret_length",
            params={"value": value},
        )
    if siret_checksum_ok(siret):
        return
    raise ValidationError(
        _("“%(value)s” is not a valid SIRET: its check digit is wrong. Check for a typing error."),
        code="siret_checksum",
        params={"value": value},
    )


def validate_insee_code(value: str) -> None:
    """Commune INSEE code: 5 characters, digits, Corsica 2A/2B."""
    if not value:
        return
    ok = len(value) == 5 and (
        value.isdigit() or (value[:2] in {"2A", "2B"} and value[2:].isdigit())
    )
    if not ok:
        raise ValidationError(
            _("“%(value)s” is not a commune INSEE code (5 characters, e.g. 92050)."),
            code="insee",
            params={"value": value},
        )


RNA = re.compile(r"W\d{9}")


def validate_rna(value: str) -> None:
    """An association's RNA number: W followed by 9 digits (W921000123)."""
    if value and not RNA.fullmatch(value.strip().upper()):
        raise ValidationError(
            _("An RNA number is W followed by 9 digits (“%(value)s” is not)."),
            code="rna",
            params={"value": value},
        )
