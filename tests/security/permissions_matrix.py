"""Who may do what, as data: every URL of the project × nine personas.

Each entry names the URL (as `reverse` knows it), the object its arguments point at (a key
of tests.security.world, an object of Atelier Filière Nanterre's demo data or of the
mediation structure Les Acacias), who gets the page on GET, and, for a URL that writes, who
may POST. Anyone else gets 403 or 404 (an anonymous visitor is sent to the login page) and
no row changes. tests/security/test_access_matrix.py walks it all and fails when a URL of
the project is missing here.

The Django admin is classified by application: non-staff are sent to the admin login, the
coordinator (staff with the permissions of the project's applications) gets the project's
models and nothing of auth, Celery beat or axes; the superuser gets everything.
"""

from dataclasses import dataclass, field

ANON = "anonymous"
TECH = "technicien"
RESP = "responsable"
TECH2 = "technicien2"
MED = "mediatrice"
COORD = "coordinatrice"
FUND = "financeur"
DONOR = "donateur"
ADMIN = "admin"

EVERYONE = frozenset({ANON, TECH, RESP, TECH2, MED, COORD, FUND, DONOR, ADMIN})
LOGGED_IN = EVERYONE - {ANON}
NANTERRE = frozenset({TECH, RESP})  # the workshop that owns the demo batch and devices
WORKSHOPS = frozenset({TECH, RESP, TECH2})
COORDINATION = frozenset({COORD, ADMIN})
# Readers of the demo batch: its workshop, the donor it came from, the coordination.
BATCH_READERS = NANTERRE | COORDINATION | {DONOR}
# Readers of a person, an allocation, a receipt: the structure that follows the person.
STRUCTURE = frozenset({MED}) | COORDINATION
NOBODY = frozenset()
# The map: the coordination, funders, workshops and mediation structures (not donors).
MAP_READERS = WORKSHOPS | COORDINATION | {MED, FUND}

# A POST-only URL answers GET with 405 for a logged-in user.
POST_ONLY = "post-only"


@dataclass(frozen=True)
class Rule:
    # Key of the world's objects giving the URL's arguments, or a dict of literal arguments.
    args: str | dict | None = None
    # Personas that get the page (200, or a redirect that is not the login page); POST_ONLY.
    get: frozenset | str = LOGGED_IN
    # Personas allowed to write (None: GET only, never POSTed).
    post: frozenset | None = None
    query: str = ""
    # The view shows a refused write as a message (redirect) or a form error (200) instead
    # of 403: no row may change all the same.
    refused_in_page: bool = False
    # Statuses of a refused write (an API refuses a batch it does not show with 400).
    refused_status: tuple = (403, 404)
    # Public URLs: the anonymous visitor is not redirected to the login page.
    public: bool = False
    note: str = ""
    extra: dict = field(default_factory=dict)
    # The named action of accounts.permissions that decides who writes (or, for a read-only
    # URL, who reads): tests/security/test_permission_table.py checks that its rule, asked for
    # each persona about the URL's object, grants exactly the personas above.
    action: str | None = None
    # Marker names the page may show because they are public facts: a mediation structure's
    # name, address and contact are the national open data's (the map, the public page).
    public_facts: tuple = ()


STRUCTURE_NAMES = ("Maison Témoin Zéphyr",)
MATRIX: dict[str, Rule] = {
    # Site
    "home": Rule(),
    "healthz": Rule(get=EVERYONE, public=True),
    "accessibility": Rule(get=EVERYONE, public=True, note="accessibility statement"),
    "login": Rule(get=EVERYONE, post=EVERYONE, public=True, note="logged-in users redirected"),
    "logout": Rule(get=POST_ONLY, post=EVERYONE),
    "set_language": Rule(get=EVERYONE, post=EVERYONE, public=True),
    "password_change": Rule(post=LOGGED_IN),
    "invitation_list": Rule(get=COORDINATION, post=COORDINATION, action="accounts.invite"),
    "organisation_identity": Rule(
        args="organisation",
        get=STRUCTURE,
        post=STRUCTURE,
        action="organisations.edit_identity",
        note="the organisation's managers and staff",
    ),
    "invitation_accept": Rule(
        args="invitation",
        get=EVERYONE,
        post=EVERYONE,
        public=True,
        note="the link's key is the right; a wrong, used or expired one gets 410",
    ),
    "api-schema": Rule(),
    # API (session or workshop machine token)
    "api-hardware-report": Rule(
        get=POST_ONLY, post=NANTERRE, refused_status=(400, 403, 404), note="batch not theirs: 400"
    ),
    "device-list": Rule(note="scoped list"),
    "device-detail": Rule(args="device", get=BATCH_READERS),
    # Donors and batches
    "inventory:donor_list": Rule(note="scoped list"),
    "inventory:donor_create": Rule(get=WORKSHOPS, post=WORKSHOPS, action="inventory.log"),
    "inventory:donor_detail": Rule(args="donor", get=BATCH_READERS),
    "inventory:donor_year_report": Rule(args="donor_year", get=BATCH_READERS),
    "inventory:batch_list": Rule(note="scoped list"),
    "inventory:batch_create": Rule(get=WORKSHOPS, post=WORKSHOPS, action="inventory.log"),
    "inventory:batch_detail": Rule(args="batch", get=BATCH_READERS),
    "inventory:batch_edit": Rule(
        args="batch", get=NANTERRE, post=NANTERRE, action="inventory.work_on"
    ),
    "inventory:batch_intake": Rule(args="batch", get=NANTERRE, post=NANTERRE),
    "inventory:batch_labels": Rule(args="batch", get=BATCH_READERS),
    "inventory:batch_import": Rule(args="batch", get=NANTERRE, post=NANTERRE),
    "inventory:batch_donor_report": Rule(args="batch", get=BATCH_READERS),
    "inventory:batch_donation_receipt": Rule(args="batch", get=BATCH_READERS),
    "inventory:import_job": Rule(args="import_job", get=NANTERRE | COORDINATION),
    "inventory:import_job_confirm": Rule(args="import_job", get=POST_ONLY, post=NANTERRE),
    "inventory:import_template": Rule(args={"fmt": "csv"}),
    # Devices
    "inventory:device_list": Rule(note="scoped list and CSV/XLSX export"),
    "inventory:device_export_request": Rule(
        query="export=csv", note="a long export as a report job; a short one back to the list"
    ),
    "inventory:scan": Rule(query="q=INCONNU-404"),
    "inventory:device_detail": Rule(args="device", get=BATCH_READERS),
    "inventory:device_edit": Rule(
        args="device", get=NANTERRE, post=NANTERRE, action="inventory.work_on"
    ),
    "inventory:device_label": Rule(args="device", get=BATCH_READERS),
    "inventory:device_move": Rule(
        args="device", get=POST_ONLY, post=NANTERRE, action="inventory.work_on"
    ),
    "inventory:hardware_pending_decide": Rule(
        args="pending_report", get=POST_ONLY, post=NANTERRE, action="inventory.work_on"
    ),
    "inventory:location_list": Rule(
        post=WORKSHOPS, note="scoped list; creating needs a workshop", action="inventory.log"
    ),
    "inventory:shelf_labels": Rule(get=WORKSHOPS, action="inventory.log"),
    "inventory:labels_selection": Rule(
        get=POST_ONLY, post=LOGGED_IN, note="labels of the devices the user sees; writes nothing"
    ),
    "inventory:printer_settings": Rule(
        get=WORKSHOPS, post=WORKSHOPS, action="inventory.log", note="a cookie of the station"
    ),
    "inventory:location_detail": Rule(args="location", get=NANTERRE | COORDINATION),
    "inventory:location_put_away": Rule(
        args="location", get=POST_ONLY, post=NANTERRE, action="inventory.work_on"
    ),
    "inventory:stocktake_create": Rule(
        args="location", get=POST_ONLY, post=NANTERRE, action="inventory.work_on"
    ),
    "inventory:stocktake_detail": Rule(args="stocktake", get=NANTERRE | COORDINATION),
    "inventory:stocktake_pdf": Rule(args="stocktake", get=NANTERRE | COORDINATION),
    "inventory:stocktake_xlsx": Rule(args="stocktake", get=NANTERRE | COORDINATION),
    "inventory:stocktake_accept": Rule(
        args="stocktake",
        get=POST_ONLY,
        post=frozenset({RESP}),
        action="inventory.accept_stocktake",
        note="the workshop's manager",
    ),
    "reconditioning:part_list": Rule(
        get=WORKSHOPS | COORDINATION,
        post=frozenset({RESP}),
        note="scoped list; adding a part is for the workshop's manager (parts.manage)",
    ),
    "reconditioning:part_detail": Rule(
        args="part", get=NANTERRE | COORDINATION, post=frozenset({RESP}), action="parts.manage"
    ),
    # Reports
    "inventory:stock_report": Rule(get=WORKSHOPS | COORDINATION, action="reports.read_stock"),
    "inventory:stock_report_request": Rule(
        get=POST_ONLY, post=WORKSHOPS | COORDINATION, action="reports.read_stock"
    ),
    "inventory:report_job": Rule(args="report_job", get=frozenset({TECH}) | COORDINATION),
    "inventory:report_job_file": Rule(args="report_job", get=frozenset({TECH}) | COORDINATION),
    "beneficiaries:funder_report": Rule(get=COORDINATION | {FUND}, action="reports.read_funder"),
    "beneficiaries:funder_report_request": Rule(
        get=POST_ONLY, post=COORDINATION | {FUND}, action="reports.read_funder"
    ),
    "beneficiaries:allocation_rows": Rule(
        get=COORDINATION, query="from=2000-01-01&to=2100-12-31", action="reports.read_rows"
    ),
    # Reconditioning
    "reconditioning:queue": Rule(note="scoped list"),
    "reconditioning:device_transition": Rule(
        args="device", get=POST_ONLY, post=NANTERRE, action="inventory.work_on"
    ),
    "reconditioning:device_nwipe": Rule(args="device", get=NANTERRE, post=NANTERRE),
    "reconditioning:device_harvest": Rule(args="device", get=POST_ONLY, post=NANTERRE),
    "reconditioning:device_certificate": Rule(args="device", get=BATCH_READERS),
    "reconditioning:device_step": Rule(args="device_step", get=NANTERRE, post=NANTERRE),
    "reconditioning:batch_steps": Rule(args="batch", get=NANTERRE, post=NANTERRE),
    "reconditioning:bulk_job": Rule(args="bulk_job", get=NANTERRE | COORDINATION),
    "reconditioning:batch_nwipe": Rule(args="batch", get=NANTERRE, post=NANTERRE),
    "reconditioning:batch_certificate": Rule(args="batch", get=BATCH_READERS),
    "reconditioning:chain_audit": Rule(
        get=COORDINATION,
        post=COORDINATION,
        action="reports.audit_chain",
        note="POST runs the audit of every device in the background",
    ),
    # People and trainings (mediation structures)
    "beneficiaries:person_list": Rule(note="scoped list"),
    "beneficiaries:commune_suggestions": Rule(note="public territories data"),
    "beneficiaries:supply": Rule(get=COORDINATION | {RESP}, action="reports.read_supply"),
    "beneficiaries:person_create": Rule(
        get=frozenset({MED}), post=frozenset({MED}), action="orders.order"
    ),
    "beneficiaries:person_detail": Rule(args="person", get=STRUCTURE),
    "beneficiaries:person_edit": Rule(
        args="person", get=STRUCTURE, post=frozenset({MED}), refused_in_page=True
    ),
    # GDPR: right of access and erasure, access log (coordination only)
    "beneficiaries:person_export": Rule(
        args="person", get=COORDINATION, action="people.export_or_erase"
    ),
    "beneficiaries:person_erase": Rule(
        args="person", get=COORDINATION, post=COORDINATION, action="people.export_or_erase"
    ),
    "beneficiaries:audit_log": Rule(get=COORDINATION, action="people.read_access_log"),
    "beneficiaries:person_waiver": Rule(
        args="person",
        get=POST_ONLY,
        post=COORDINATION,
        refused_in_page=True,
        action="people.waive_training",
    ),
    "beneficiaries:person_limit_override": Rule(
        args="person",
        get=POST_ONLY,
        post=COORDINATION,
        refused_in_page=True,
        action="allocations.override_limit",
    ),
    # Eligibility (décret of 7 Nov. 2022): the structure records the proof it saw; the
    # coordination keeps the list of kinds and says which structures serve people in precarity.
    "beneficiaries:person_eligibility": Rule(
        args="person",
        get=POST_ONLY,
        post=frozenset({MED}),
        refused_in_page=True,
        action="eligibility.record",
    ),
    "beneficiaries:proof_kind_list": Rule(
        get=COORDINATION, post=COORDINATION, action="eligibility.manage_proofs"
    ),
    "beneficiaries:proof_kind_toggle": Rule(
        args="proof_kind", get=POST_ONLY, post=COORDINATION, action="eligibility.manage_proofs"
    ),
    "beneficiaries:session_list": Rule(note="scoped list"),
    "beneficiaries:session_create": Rule(get=frozenset({MED}), post=frozenset({MED})),
    "beneficiaries:session_detail": Rule(
        args="session", get=STRUCTURE, post=frozenset({MED}), refused_in_page=True
    ),
    # Orders and the quasi-don
    "beneficiaries:order_list": Rule(note="scoped list"),
    "beneficiaries:order_create": Rule(
        get=frozenset({MED}), post=frozenset({MED}), action="orders.order"
    ),
    "beneficiaries:order_detail": Rule(args="order", get=STRUCTURE | NANTERRE),
    "beneficiaries:order_edit": Rule(
        args="draft_order", get=frozenset({MED}), post=frozenset({MED}), action="orders.edit"
    ),
    "beneficiaries:order_action": Rule(
        args="order_submit",
        get=POST_ONLY,
        post=frozenset({MED}),
        refused_in_page=True,
    ),
    "beneficiaries:order_cancel": Rule(
        args="draft_order", get=STRUCTURE, post=STRUCTURE, action="orders.cancel"
    ),
    "beneficiaries:order_picking_pdf": Rule(args="order", get=NANTERRE),
    "beneficiaries:order_delivery_pdf": Rule(args="order", get=STRUCTURE | NANTERRE),
    "beneficiaries:handover": Rule(args="handover", get=frozenset({MED}), post=frozenset({MED})),
    "beneficiaries:allocation_detail": Rule(args="allocation", get=STRUCTURE),
    "beneficiaries:allocation_pay": Rule(
        args="allocation", get=POST_ONLY, post=frozenset({MED}), refused_in_page=True
    ),
    "beneficiaries:allocation_return": Rule(
        args="allocation",
        get=POST_ONLY,
        post=STRUCTURE,
        refused_in_page=True,
        action="allocations.return",
    ),
    "beneficiaries:allocation_replace": Rule(
        args="allocation", get=POST_ONLY, post=STRUCTURE, refused_in_page=True
    ),
    "beneficiaries:receipt": Rule(args="receipt", get=STRUCTURE),
    "beneficiaries:handover_pdf": Rule(args="allocation", get=STRUCTURE),
    "beneficiaries:structure_list": Rule(note="scoped list"),
    "beneficiaries:tariffs": Rule(
        get=WORKSHOPS | COORDINATION | {MED},
        post=COORDINATION,
        action="tariffs.set",
        note="the structures and workshops read the grid",
    ),
    "beneficiaries:structure_precarity": Rule(
        args="structure", get=POST_ONLY, post=COORDINATION, action="structures.set_precarity"
    ),
    "beneficiaries:structure_import": Rule(
        get=COORDINATION, post=COORDINATION, action="structures.import"
    ),
    # The territory on a map
    "maps:map": Rule(get=MAP_READERS, action="map.read", public_facts=STRUCTURE_NAMES),
    "maps:communes_data": Rule(get=MAP_READERS, action="map.read", note="layers per persona"),
    "maps:structures_data": Rule(get=COORDINATION | {MED, FUND}, action="map.read_structures"),
    "maps:fragility": Rule(
        get=COORDINATION,
        post=COORDINATION,
        action="map.import_fragility",
    ),
    "maps:public": Rule(
        get=EVERYONE,
        public=True,
        note="unless the coordination turned it off",
        public_facts=STRUCTURE_NAMES,
    ),
    "maps:public_switch": Rule(get=POST_ONLY, post=COORDINATION, action="map.switch_public"),
    # A person's own notices and notice settings (the notices app)
    "notices:list": Rule(note="the person's own notices only"),
    "notices:read": Rule(
        args="notice", get=POST_ONLY, post=frozenset({MED}), action="notices.mark_read"
    ),
    "notices:read_all": Rule(get=POST_ONLY, post=LOGGED_IN, note="the person's own notices"),
    "notices:preferences": Rule(post=LOGGED_IN, note="the person's own settings"),
    "beneficiaries:structure_export_national": Rule(
        get=COORDINATION, action="structures.export_national", note="CSV of the national schema"
    ),
}

# The named actions that no URL of the matrix decides alone (they guard a service that
# several views share, or one step of a view): action -> (object of the world, personas the
# rule grants). With the rules above, every action of accounts.permissions is covered.
SERVICE_ACTIONS: dict[str, tuple[str | None, frozenset]] = {
    "structures.act_for": ("structure_org", frozenset({MED})),
    "orders.decide": ("order", COORDINATION),
    "orders.submit": ("order", frozenset({MED})),
    "orders.reserve": ("order", NANTERRE),
    "orders.prepare": ("order", NANTERRE),
    # The structure's order: the workshop prepares it and cannot cancel it.
    "orders.cancel": ("order", STRUCTURE),
    "orders.close": ("order", frozenset({MED})),
    "orders.receive": ("order", frozenset({MED})),
    "orders.read_reason": ("order", STRUCTURE),
    "allocations.hand_over": ("structure_org", STRUCTURE),
    "allocations.grant_coordinator_exemption": (None, COORDINATION),
    "allocations.late_return": (None, COORDINATION),
    "tariffs.set": (None, COORDINATION),
    "reports.read_unmasked": (None, COORDINATION),
    "map.read_collection": (None, WORKSHOPS | COORDINATION | {FUND}),
    "map.read_need": (None, COORDINATION | {FUND}),
    "map.read_fairness": (None, COORDINATION),
}

# Admin site pages that belong to no model.
ADMIN_SITE = {
    "admin:index",
    "admin:login",
    "admin:logout",
    "admin:password_change",
    "admin:password_change_done",
    "admin:jsi18n",
    "admin:autocomplete",
    "admin:view_on_site",
    "admin:app_list",
}
# Admin applications: who of the staff may use their models.
ADMIN_APPS = {
    "accounts": COORDINATION,
    "inventory": COORDINATION,
    "reconditioning": COORDINATION,
    "beneficiaries": COORDINATION,
    "auth": frozenset({ADMIN}),
    "django_celery_beat": frozenset({ADMIN}),
    "axes": frozenset({ADMIN}),
}


PERSONA_ORDER = (ANON, TECH, RESP, TECH2, MED, COORD, FUND, DONOR, ADMIN)


def as_markdown() -> str:
    """The matrix as the table of docs/security.md: R reads (GET), W also writes (POST),
    w writes only (POST-only URL), L sent to the login page, · refused (403/404)."""
    head = "| URL | " + " | ".join(PERSONA_ORDER) + " |"
    lines = [head, "|---" * (len(PERSONA_ORDER) + 1) + "|"]
    for name, rule in MATRIX.items():
        cells = []
        for persona in PERSONA_ORDER:
            reads = rule.get != POST_ONLY and persona in rule.get
            writes = rule.post is not None and persona in rule.post
            if persona == ANON and not rule.public:
                cells.append("L")
            elif reads and writes:
                cells.append("W")
            elif reads:
                cells.append("R")
            elif writes:
                cells.append("w")
            else:
                cells.append("·")
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def actions_markdown() -> str:
    """The named actions of accounts.permissions, as the table of docs/security.md."""
    from django.utils import translation

    from accounts.permissions import PERMISSIONS

    lines = ["| Action | Who may | Refusal |", "|---|---|---|"]
    with translation.override("en"):
        for name, permission in PERMISSIONS.items():
            refusal = str(permission.refusal).replace("|", "\\|")
            lines.append(f"| `{name}` | {permission.who} | {refusal} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    if "--actions" in sys.argv:
        import os

        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()
        print(actions_markdown(), end="")
    else:
        print(as_markdown(), end="")
