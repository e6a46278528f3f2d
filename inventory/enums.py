from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceType(models.TextChoices):
    LAPTOP = "laptop", _("Laptop")
    DESKTOP = "desktop", _("Desktop")
    TABLET = "tablet", _("Tablet")
    SMARTPHONE = "smartphone", _("Smartphone")
    MONITOR = "monitor", _("Monitor")
    OTHER = "other", _("Other")


class DeviceStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    DIAGNOSED = "diagnosed", _("Diagnosed")
    ERASED = "erased", _("Erased")
    REPAIRED = "repaired", _("Repaired")
    OS_INSTALLED = "os_installed", _("OS installed")
    READY = "ready", _("Ready")
    RESERVED = "reserved", _("Reserved")
    ALLOCATED = "allocated", _("Allocated")
    RETURNED = "returned", _("Returned")
    SCRAPPED = "scrapped", _("Scrapped")


class StorageKind(models.TextChoices):
    HDD = "hdd", _("Hard disk (HDD)")
    SSD = "ssd", _("SSD")
    NVME = "nvme", _("NVMe SSD")
    EMMC = "emmc", _("eMMC")
    OTHER = "other", _("Other")


class KeyboardLayout(models.TextChoices):
    AZERTY_FR = "azerty_fr", _("AZERTY (French)")
    AZERTY_BE = "azerty_be", _("AZERTY (Belgian)")
    QWERTY_US = "qwerty_us", _("QWERTY (US)")
    QWERTY_UK = "qwerty_uk", _("QWERTY (UK)")
    QWERTZ_DE = "qwertz_de", _("QWERTZ (German)")
    QWERTZ_CH = "qwertz_ch", _("QWERTZ (Swiss)")
    OTHER = "other", _("Other")


class DeviceSource(models.TextChoices):
    SCAN = "scan", _("Scan at intake")
    SPREADSHEET = "spreadsheet", _("Donor spreadsheet")
    HARDWARE_REPORT = "hardware_report", _("Hardware report")
    ADMIN = "admin", _("Back office")


class ImportStatus(models.TextChoices):
    ANALYSING = "analysing", _("Analysing")
    PREVIEW = "preview", _("Waiting for confirmation")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Grade(models.TextChoices):
    A = "A", _("A — like new")
    B = "B", _("B — light marks")
    C = "C", _("C — visible wear, works")
