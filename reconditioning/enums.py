from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.enums import Grade  # noqa: F401  (the device carries its grade)


class CheckResult(models.TextChoices):
    OK = "ok", _("OK")
    FAULT = "fault", _("Fault")
    NOT_APPLICABLE = "na", _("Not applicable")


class LockStatus(models.TextChoices):
    UNLOCKED = "unlocked", _("Unlocked, no account")
    ACCOUNT_LOCKED = "account_locked", _("Locked to an account (FRP / iCloud)")
    CARRIER_LOCKED = "carrier_locked", _("Locked to a carrier")
    UNKNOWN = "unknown", _("Unknown")


class ErasureMethod(models.TextChoices):
    """The method categories of the Rev. 1 forms: kept so that older records read as they were
    written; new records derive it from their IEEE 2883 technique."""

    OVERWRITE = "overwrite", _("Overwrite")
    CRYPTO_ERASE = "crypto_erase", _("Cryptographic erase")
    SECURE_ERASE = "secure_erase", _("Firmware secure erase")
    DEGAUSS = "degauss", _("Degaussing")
    DESTRUCTION = "destruction", _("Physical destruction")
    NO_MEDIA = "no_media", _("No storage media in the device (checked)")


class NistLevel(models.TextChoices):
    CLEAR = "clear", _("Clear")
    PURGE = "purge", _("Purge")
    DESTROY = "destroy", _("Destroy")


class NistRevision(models.TextChoices):
    # Rev. 1 (December 2014) was withdrawn when Rev. 2 was published in September 2025.
    REV1 = "1", _("NIST SP 800-88 Rev. 1 (withdrawn)")
    REV2 = "2", _("NIST SP 800-88 Rev. 2")


class Sanitization(models.TextChoices):
    """Sanitization techniques as IEEE 2883 names them, to which NIST SP 800-88 Rev. 2 refers."""

    OVERWRITE = "overwrite", _("Overwrite (write commands)")
    SANITIZE_OVERWRITE = "sanitize_overwrite", _("Overwrite (sanitize command)")
    BLOCK_ERASE = "block_erase", _("Block erase (sanitize command)")
    CRYPTO_ERASE = "crypto_erase", _("Cryptographic erase")
    SECURE_ERASE = "secure_erase", _("Firmware secure erase (ATA Security Erase, NVMe Format)")
    FACTORY_RESET = "factory_reset", _("Factory reset of an encrypted phone or tablet")
    DEGAUSS = "degauss", _("Degaussing (magnetic media)")
    DESTRUCT = "destruct", _("Physical destruction (shred, disintegrate, pulverize, incinerate)")
    NO_MEDIA = "no_media", _("No storage media in the device (checked)")


# The Rev. 2 categories each technique may claim. Overwriting through write commands reaches
# only user-addressable blocks (Clear); Purge needs the drive's own sanitize or crypto erase;
# ATA Security Erase and NVMe Format are not sanitize commands, hence Clear unless the operator
# states Purge; degaussing erases magnetic media only and is no longer Destroy under Rev. 2.
SANITIZATION_LEVELS: dict[str, frozenset[str]] = {
    Sanitization.OVERWRITE: frozenset({NistLevel.CLEAR}),
    Sanitization.SANITIZE_OVERWRITE: frozenset({NistLevel.PURGE, NistLevel.CLEAR}),
    Sanitization.BLOCK_ERASE: frozenset({NistLevel.PURGE, NistLevel.CLEAR}),
    Sanitization.CRYPTO_ERASE: frozenset({NistLevel.PURGE, NistLevel.CLEAR}),
    Sanitization.SECURE_ERASE: frozenset({NistLevel.CLEAR, NistLevel.PURGE}),
    Sanitization.FACTORY_RESET: frozenset({NistLevel.CLEAR, NistLevel.PURGE}),
    Sanitization.DEGAUSS: frozenset({NistLevel.PURGE}),
    Sanitization.DESTRUCT: frozenset({NistLevel.DESTROY}),
    Sanitization.NO_MEDIA: frozenset({NistLevel.CLEAR, NistLevel.PURGE, NistLevel.DESTROY}),
}

# Techniques that only act on magnetic media (a hard disk's platters).
MAGNETIC_ONLY = frozenset({Sanitization.DEGAUSS})

# Rev. 1 method category of each technique, and back (older records and callers).
SANITIZATION_METHOD: dict[str, str] = {
    Sanitization.OVERWRITE: ErasureMethod.OVERWRITE,
    Sanitization.SANITIZE_OVERWRITE: ErasureMethod.OVERWRITE,
    Sanitization.BLOCK_ERASE: ErasureMethod.SECURE_ERASE,
    Sanitization.CRYPTO_ERASE: ErasureMethod.CRYPTO_ERASE,
    Sanitization.SECURE_ERASE: ErasureMethod.SECURE_ERASE,
    Sanitization.FACTORY_RESET: ErasureMethod.CRYPTO_ERASE,
    Sanitization.DEGAUSS: ErasureMethod.DEGAUSS,
    Sanitization.DESTRUCT: ErasureMethod.DESTRUCTION,
    Sanitization.NO_MEDIA: ErasureMethod.NO_MEDIA,
}
METHOD_SANITIZATION: dict[str, str] = {
    ErasureMethod.OVERWRITE: Sanitization.OVERWRITE,
    ErasureMethod.CRYPTO_ERASE: Sanitization.CRYPTO_ERASE,
    ErasureMethod.SECURE_ERASE: Sanitization.SECURE_ERASE,
    ErasureMethod.DEGAUSS: Sanitization.DEGAUSS,
    ErasureMethod.DESTRUCTION: Sanitization.DESTRUCT,
    ErasureMethod.NO_MEDIA: Sanitization.NO_MEDIA,
}


def sanitization_for(method: str, technique: str = "") -> str:
    """The IEEE 2883 technique of a Rev. 1 method category; "destruction" by degaussing (which
    Rev. 1 let count as Destroy) is degaussing."""
    if method == ErasureMethod.DESTRUCTION and is_degaussing(technique):
        return Sanitization.DEGAUSS
    return METHOD_SANITIZATION.get(method, "")


def is_degaussing(text: str) -> bool:
    text = text.lower()
    return any(word in text for word in ("degauss", "démagnétis", "demagnetis", "entmagnet"))


class Verification(models.TextChoices):
    NONE = "none", _("None")
    LAST_PASS = "last", _("Last pass verified")
    ALL_PASSES = "all", _("Every pass verified")
    SAMPLE = "sample", _("Sample read back")


class ErasureResult(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class ScrapReason(models.TextChoices):
    BEYOND_REPAIR = "beyond_repair", _("Beyond repair")
    TOO_OLD = "too_old", _("Too old for a supported system")
    MISSING_PARTS = "missing_parts", _("Missing parts")
    LOCKED = "locked", _("Locked (account, BIOS password)")
    HARVESTED = "harvested", _("Kept for spare parts")
    OTHER = "other", _("Other")


class RecyclingChannel(models.TextChoices):
    ECOSYSTEM = "ecosystem", _("ecosystem (WEEE eco-organisation)")
    ECOLOGIC = "ecologic", _("Ecologic (WEEE eco-organisation)")
    SOREN = "soren", _("Soren (WEEE eco-organisation)")
    LOCAL_COLLECTOR = "local_collector", _("Approved local WEEE collector")
    OTHER = "other", _("Other approved channel")


class PartMovementKind(models.TextChoices):
    PURCHASE = "purchase", _("Purchase or donation")
    HARVEST = "harvest", _("Harvested from a scrapped device")
    USE = "use", _("Used in a repair")
    ADJUST = "adjust", _("Inventory adjustment")


class BulkJobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    CHECKING = "checking", _("Checking each device")
    RECORDING = "recording", _("Recording")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
