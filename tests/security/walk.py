"""Helpers shared by the matrix and IDOR tests: the project's URLs from the resolver, the
arguments of each URL, what a response says, and a fingerprint of every row."""

import datetime as dt
import hashlib
import html
import io
import json
from pathlib import Path
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver

HARDWARE_SAMPLES = Path(__file__).resolve().parent.parent / "inventory" / "hardware_samples"
PROJECT_APPS = (
    "accounts",
    "inventory",
    "reconditioning",
    "beneficiaries",
    "reports",
    "notices",
    "auth",
)


def project_urls() -> dict[str, str]:
    """Every URL pattern of the project: its namespaced name (or `route:<pattern>` when it
    has none) → its route."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}{p.namespace}:"
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                key = f"{namespace}{p.name}" if p.name else f"route:{route}"
                found.setdefault(key, route)

    walk(get_resolver().url_patterns, "", "")
    return found


def admin_model_urls() -> dict[str, tuple]:
    """Every URL of the admin that belongs to a registered model (its pages, its extra views
    such as the user password form or the export, the old-style object redirect): URL key →
    (model, route)."""
    by_prefix = {
        f"admin/{m._meta.app_label}/{m._meta.model_name}/": m for m in admin.site._registry
    }
    out = {}
    for key, route in project_urls().items():
        for prefix, model in by_prefix.items():
            if route.startswith(prefix):
                out[key] = (model, route)
    return out


ARGS = {
    "donor": lambda ids: {"pk": ids["donor"]},
    "donor_year": lambda ids: {"pk": ids["donor"], "year": ids["year"]},
    "batch": lambda ids: {"pk": ids["batch"]},
    "device": lambda ids: {"pk": ids["device"]},
    "device_step": lambda ids: {"pk": ids["device"], "step": "diagnostic"},
    "import_job": lambda ids: {"pk": ids["import_job"]},
    "bulk_job": lambda ids: {"pk": ids["bulk_job"]},
    "pending_report": lambda ids: {"pk": ids["pending_report"]},
    "location": lambda ids: {"pk": ids["location"]},
    "stocktake": lambda ids: {"pk": ids["stocktake"]},
    "part": lambda ids: {"pk": ids["part"]},
    "organisation": lambda ids: {"pk": ids["organisation"]},
    "report_job": lambda ids: {"pk": ids["report_job"]},
    "person": lambda ids: {"pk": ids["person"]},
    "session": lambda ids: {"pk": ids["session"]},
    "order": lambda ids: {"pk": ids["order"]},
    "order_submit": lambda ids: {"pk": ids["draft_order"], "action": "submit"},
    "draft_order": lambda ids: {"pk": ids["draft_order"]},
    "handover": lambda ids: {"device_pk": ids["handover_device"]},
    "allocation": lambda ids: {"pk": ids["allocation"]},
    "invitation": lambda ids: {"key": ids["invitation_key"]},
    "receipt": lambda ids: {"pk": ids["allocation"], "payment_pk": ids["payment"]},
    "notice": lambda ids: {"pk": ids["notice"]},
    "proof_kind": lambda ids: {"pk": ids["proof_kind"]},
    "structure": lambda ids: {"pk": ids["structure"]},
}


def kwargs_for(rule, ids: dict) -> dict:
    if rule.args is None:
        return {}
    if isinstance(rule.args, dict):
        return dict(rule.args)
    return ARGS[rule.args](ids)


def post_data(name: str, ids: dict) -> dict:
    """A payload that an allowed user's POST would accept (so that only the access check
    stands between a refused persona and a write)."""

    today = dt.date.today().isoformat()
    data = {
        "inventory:donor_create": {"name": "Donateur Intrus", "kind": "company"},
        "inventory:batch_edit": {
            "collected_on": today,
            "commune_insee": "92050",
            "declared_quantity": "99",
            "received_quantity": "12",
            "notes": "intrusion",
        },
        "inventory:device_move": {"location": ids["location"], "note": "intrusion"},
        "inventory:location_list": {"zone": "Intrusion", "shelf": "Z9"},
        "inventory:location_put_away": {"scans": f"https://x.test/appareils/{ids['away_device']}/"},
        "inventory:stocktake_create": {"scans": ""},
        "inventory:stocktake_accept": {},
        "reconditioning:chain_audit": {},
        "reconditioning:part_list": {"name": "Pièce intruse", "category": "RAM"},
        "organisation_identity": {"name": "Organisation intruse", "city": "Intrusion"},
        "reconditioning:part_detail": {"kind": "purchase", "quantity": "5", "note": ""},
        "beneficiaries:tariffs": {
            "reason-label": "Exonération intruse",
            "reason-granted_by": "coordinator",
        },
        "inventory:labels_selection": {"devices": [ids["device"]]},
        "inventory:printer_settings": {"printer": "zpl", "print_on_intake": "on"},
        "inventory:import_job_confirm": {"action": "cancel"},
        "inventory:hardware_pending_decide": {"decision": "reject"},
        "inventory:stock_report_request": {"fmt": "xlsx"},
        "reconditioning:device_transition": {"to_status": "scrapped", "note": "intrusion"},
        "beneficiaries:person_waiver": {"programme": _first_programme(), "reason": "intrusion"},
        "beneficiaries:session_detail": {"attendance": "1"},
        "beneficiaries:allocation_pay": {"amount": "1.00", "method": "cash", "paid_on": today},
        "beneficiaries:allocation_return": {"reason": "intrusion"},
        "beneficiaries:order_cancel": {"reason": "intrusion"},
        "beneficiaries:person_limit_override": {
            "limit-device_type": "laptop",
            "limit-reason": "intrusion",
        },
        "beneficiaries:allocation_replace": {"device": ids.get("handover_device", 0)},
        "beneficiaries:person_eligibility": {
            "proof-kind": ids["proof_kind"],
            "proof-seen_on": today,
        },
        "beneficiaries:proof_kind_list": {"name": "Justificatif intrus"},
        "beneficiaries:proof_kind_toggle": {"active": "0"},
        "beneficiaries:structure_precarity": {"serves_precarity": "1"},
        "beneficiaries:person_edit": {
            "first_name": "Intrus",
            "last_name": "Intrus",
            "age_band": "25-39",
            "situation": "job_seeker",
            "eligibility": ids["eligibility"],
            "consent_purpose": "intrusion",
            "consent_given_on": today,
            "eligibility_checked_on": today,
        },
        "beneficiaries:funder_report_request": {"year": "2026", "part": "", "fmt": "csv"},
        "beneficiaries:person_erase": {"confirm": "yes"},
        "maps:fragility": {"file": SimpleUploadedFile("ifn.csv", b"92050;12,5\n92025;9\n")},
        "maps:public_switch": {"enabled": "0"},
        "beneficiaries:order_edit": {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "0",
            "form-0-device_type": "tablet",
            "form-0-quantity": "7",
            "notes": "intrusion",
        },
        "invitation_list": {
            "email": "intrus@example.org",
            "organisation": ids.get("organisation", 0),
            "role": "coordinator",
        },
        # Every box unticked: the settings write a row per kind turned off.
        "notices:preferences": {},
        "password_change": {
            "old_password": "filiere-demo",
            "new_password1": "un-mot-de-passe-intrus-2026",
            "new_password2": "un-mot-de-passe-intrus-2026",
        },
    }
    if name == "api-hardware-report":
        report = (HARDWARE_SAMPLES / "lshw_thinkpad_t480.json").read_text()
        body = {"lshw": json.loads(report), "batch": ids["batch"]}
        return {"data": json.dumps(body), "content_type": "application/json"}
    return {"data": data.get(name, {})}


def _first_programme():
    from beneficiaries.models import TrainingProgramme

    return TrainingProgramme.objects.order_by("pk").values_list("pk", flat=True).first()


def is_login_redirect(response) -> bool:
    if response.status_code != 302:
        return False
    path = urlsplit(response["Location"]).path
    return path in (resolve_url(settings.LOGIN_URL), resolve_url("admin:login"))


def body_text(response) -> str:
    """What the user gets, as text: HTML and JSON as they are (entities decoded), the text
    layer of a PDF, the cells of a spreadsheet."""
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    ctype = response.get("Content-Type", "")
    if "pdf" in ctype:
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    if "spreadsheetml" in ctype:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            " ".join(str(c) for c in row if c is not None)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    return html.unescape(content.decode("utf-8", errors="replace"))


def leaked(response, markers) -> list[str]:
    if not markers:
        return []
    text = body_text(response)
    return [m for m in markers if m in text]


class Fingerprint(dict):
    """A hash of every row of each of the project's tables (sessions and login attempts
    aside); compares equal when no row was written, and names the tables that changed."""

    def changed(self, other: "Fingerprint") -> list[str]:
        return sorted(k for k in self.keys() | other.keys() if self.get(k) != other.get(k))


def fingerprint() -> Fingerprint:
    out = Fingerprint()
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            rows = model._default_manager.order_by("pk").values_list()
            out[model._meta.label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return out
