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
    OVERWRITE = "overwrite", _("Overwrite")
    CRYPTO_ERASE = "crypto_erase", _("Cryptographic erase")
    SECURE_ERASE = "secure_erase", _("Firmware secure erase")
    DESTRUCTION = "destruction", _("Physical destruction")
    NO_MEDIA = "no_media", _("No storage media in the device (checked)")


class NistLevel(models.TextChoices):
    CLEAR = "clear", _("Clear")
    PURGE = "purge", _("Purge")
    DESTROY = "destroy", _("Destroy")


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
