"""What a technician checks, per device type: the diagnosis checklist and the QA criteria.

Data, not code: adding a check is adding a line here."""

from django.utils.translation import gettext_lazy as _

COMPUTER = [
    ("powers_on", _("Powers on and boots")),
    ("screen", _("Screen (no dead pixels, hinges)")),
    ("keyboard", _("Keyboard, every key")),
    ("touchpad", _("Touchpad and buttons")),
    ("battery", _("Battery holds a charge")),
    ("ports", _("USB, video and audio ports")),
    ("webcam", _("Webcam and microphone")),
    ("wifi", _("Wi-Fi")),
    ("charger", _("Charger present and working")),
]
DESKTOP = [
    ("powers_on", _("Powers on and boots")),
    ("ports", _("USB, video and audio ports")),
    ("network", _("Ethernet or Wi-Fi")),
    ("fans", _("Fans and temperature")),
    ("power_cable", _("Power cable present")),
]
PHONE = [
    ("powers_on", _("Powers on")),
    ("screen", _("Screen and touch")),
    ("battery", _("Battery holds a charge")),
    ("buttons", _("Buttons")),
    ("cameras", _("Cameras")),
    ("audio", _("Speaker, earpiece, microphone")),
    ("wifi", _("Wi-Fi and Bluetooth")),
    ("cellular", _("Cellular network and SIM slot")),
    ("charging_port", _("Charging port")),
]
MONITOR = [
    ("powers_on", _("Powers on")),
    ("screen", _("Picture (no dead pixels, even backlight)")),
    ("inputs", _("Video inputs")),
    ("stand", _("Stand and cables")),
]
OTHER = [("powers_on", _("Powers on")), ("works", _("Does what it is for"))]

DIAGNOSIS_CHECKS = {
    "laptop": COMPUTER,
    "desktop": DESKTOP,
    "tablet": PHONE,
    "smartphone": PHONE,
    "monitor": MONITOR,
    "other": OTHER,
}

# Phones and tablets also record IMEI and lock status at diagnosis.
NEEDS_IMEI = {"smartphone", "tablet"}

QA_CRITERIA = [
    ("boots_os", _("Boots the installed system to the desktop")),
    ("no_previous_data", _("No account or data of the previous user left")),
    ("network", _("Connects to a network")),
    ("audio_video", _("Sound and picture work")),
    ("clean", _("Cleaned, labels of the donor removed")),
    ("accessories", _("Charger and cables included")),
]

GRADE_CRITERIA = {
    "A": _("Like new: no visible mark, battery at 80 % or more."),
    "B": _("Light marks, battery at 60 % or more, everything works."),
    "C": _("Visible wear or battery under 60 %, everything needed works."),
}


def checks_for(device_type: str):
    return DIAGNOSIS_CHECKS.get(device_type, OTHER)
