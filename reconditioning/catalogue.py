"""The free-software systems the workshops install, with the publishers' stated minimums
(RAM in MB, disk in GB) as of late 2025. The coordinator updates the catalogue in the back
office as new releases come out; migration 0002 loads this list once."""

COMPUTERS = ["laptop", "desktop"]
PHONES = ["smartphone", "tablet"]

CATALOGUE = [
    # name, version, architecture, device types, min RAM MB, min storage GB, notes
    (
        "Linux Mint",
        "22.2 Cinnamon",
        "amd64",
        COMPUTERS,
        2048,
        20,
        "Recommended default: familiar desktop for people coming from Windows.",
    ),
    ("Linux Mint", "22.2 Xfce", "amd64", COMPUTERS, 2048, 20, "Lighter desktop for older PCs."),
    ("Ubuntu", "24.04 LTS", "amd64", COMPUTERS, 4096, 25, "Long-term support until 2029."),
    ("Debian", "13 (trixie)", "amd64", COMPUTERS, 2048, 25, "GNOME or Xfce desktop."),
    (
        "Debian",
        "13 (trixie)",
        "i386",
        COMPUTERS,
        1024,
        10,
        "Last option for 32-bit netbooks (installer only, Xfce).",
    ),
    (
        "Emmabuntüs",
        "DE5",
        "amd64",
        COMPUTERS,
        2048,
        40,
        "Debian 12 based, made for refurbished computers given to associations.",
    ),
    ("PrimTux", "8", "amd64", COMPUTERS, 2048, 20, "For children and schools (Debian based)."),
    ("/e/OS", "3.0", "arm64", PHONES, 2048, 16, "De-Googled Android; check the device list."),
    ("LineageOS", "22.2", "arm64", PHONES, 2048, 16, "Android 15 based; check the device list."),
]


def catalogue_load(OperatingSystem) -> None:
    for name, version, arch, types, ram, disk, notes in CATALOGUE:
        OperatingSystem.objects.update_or_create(
            name=name,
            version=version,
            architecture=arch,
            defaults={
                "device_types": types,
                "min_ram_mb": ram,
                "min_storage_gb": disk,
                "notes": notes,
                "is_active": True,
            },
        )
