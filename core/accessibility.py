"""The accessibility statement ("déclaration d'accessibilité") that RGAA 4 asks every public
site for: public, linked from every page's footer."""

import os

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

# The pages the journeys and tests/e2e/test_every_menu_page.py visit and axe-core checks, by
# what a user calls them.
PAGES_CHECKED = [
    _("Log in"),
    _("Home"),
    _("Work queue"),
    _("Batches"),
    _("Receive a batch"),
    _("Batch"),
    _("Import a spreadsheet"),
    _("Import an nwipe log"),
    _("Devices"),
    _("Donors"),
    _("New donor"),
    _("Locations"),
    _("Intake"),
    _("Device"),
    _("Diagnosis"),
    _("Erasure"),
    _("Quality check"),
    _("Apply a step to several devices"),
    _("Stock report"),
    _("Orders"),
    _("Order"),
    _("New order"),
    _("People"),
    _("Refer a person"),
    _("Person"),
    _("Trainings"),
    _("Hand over"),
    _("Handover"),
    _("Funder reports"),
    _("Structures"),
    _("Access log"),
    _("tariff grid"),
    _("Accessibility statement"),
]

# What the automated checks of the e2e suite (tests/e2e) ran with when this statement was
# last established; update together with the statement's date.
AUDIT = {
    "date": "2026-11-22",
    "axe_core": "4.12.1",
    "browser": "Chromium 156 (Debian 12)",
}


@login_not_required
def accessibility_statement(request):
    contact = os.environ.get("ACCESSIBILITY_CONTACT_EMAIL") or settings.DEFAULT_FROM_EMAIL
    return render(
        request,
        "accessibility.html",
        {"audit": AUDIT, "pages": PAGES_CHECKED, "contact": contact},
    )
