"""Who may do what: the one place that says it.

- `ScopedQuerySet.visible_to(user)` is the base of every scoped model's queryset: nothing for
  an anonymous user, everything for the coordination (unless the model says otherwise), and
  otherwise what the model's `scope(user)` allows. Lists, details, form choices, the API,
  exports, reports and commands all start from it.
- `PERMISSIONS` names each action a user may be refused, with the rule and the refusal's
  wording; `can(user, action, obj)` asks, `require(user, action, obj)` refuses with
  PermissionDenied. Views, services, the API, admin actions, commands and mails ask here;
  tests/security/test_permission_table.py reads the same table.

Rules only read ids (`obj.workshop_id`, `obj.structure_id`, `obj.pk`), so this module knows no
model above accounts. Rights come from the kind of organisation a user is a member of and
their role there: a reader sees what the organisation sees and writes nothing. The
coordination's members (and superusers) are `user.is_coordinator`."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .enums import OrganisationKind, Role


class ScopedQuerySet(models.QuerySet):
    """Rows a user may see. Subclasses say `scope(user)`: a Q object, or None for nothing."""

    # The coordination sees every row of most models; a model may narrow even that.
    coordination_sees_all = True

    def scope(self, user) -> Q | None:
        raise NotImplementedError

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if self.coordination_sees_all and user.is_coordinator:
            return self
        q = self.scope(user)
        return self.none() if q is None else self.filter(q)


# The predicates, each on a user and (when the rule is about one object) that object.


def _coordinator(user, obj=None) -> bool:
    return user.is_coordinator


def acting_ids(user, kind: str) -> set[int]:
    """The organisations of this kind where the user acts: a reader's membership lets them
    see the organisation's rows (visible_to), never write."""
    return {
        m.organisation_id
        for m in user.memberships_cached()
        if m.organisation.kind == kind and m.role != Role.READER
    }


def _workshop_staff(user, obj=None) -> bool:
    return bool(acting_ids(user, OrganisationKind.WORKSHOP))


def _in_objects_workshop(user, obj) -> bool:
    return obj.workshop_id in acting_ids(user, OrganisationKind.WORKSHOP)


def _manages_objects_workshop(user, obj) -> bool:
    return any(
        m.organisation_id == obj.workshop_id and m.role == Role.MANAGER
        for m in user.memberships_cached()
    )


def _manages_a_workshop(user, obj=None) -> bool:
    return any(
        m.role == Role.MANAGER and m.organisation.kind == OrganisationKind.WORKSHOP
        for m in user.memberships_cached()
    )


def _structure_staff(user, obj=None) -> bool:
    return bool(acting_ids(user, OrganisationKind.MEDIATION))


def _member_of_structure(user, structure) -> bool:
    return structure.pk in acting_ids(user, OrganisationKind.MEDIATION)


def _objects_structure(user, obj) -> bool:
    return obj.structure_id in acting_ids(user, OrganisationKind.MEDIATION)


def _sees_objects_structure(user, obj) -> bool:
    """Reading, not acting: a reader of the structure counts."""
    return obj.structure_id in user.organisation_ids(OrganisationKind.MEDIATION)


def _reads_as(*kinds: str) -> Callable:
    """Members of an organisation of these kinds, readers included (the map only reads)."""
    return lambda user, obj=None: bool(user.organisation_ids(*kinds))


def _any(*rules: Callable) -> Callable:
    return lambda user, obj=None: any(rule(user, obj) for rule in rules)


@dataclass(frozen=True)
class Permission:
    rule: Callable
    refusal: Promise
    # Who it is for, as the permission table of docs/security.md says it.
    who: str


PERMISSIONS: dict[str, Permission] = {
    # Workshop
    "inventory.log": Permission(
        _workshop_staff, _("Only the workshop's staff can do this."), "workshop members"
    ),
    "inventory.work_on": Permission(
        _in_objects_workshop,
        _("Only the workshop's staff can do this."),
        "members of the object's workshop",
    ),
    "parts.manage": Permission(
        _manages_objects_workshop,
        _("Only the workshop's manager manages its spare parts."),
        "managers of the part's workshop",
    ),
    "inventory.accept_stocktake": Permission(
        _manages_objects_workshop,
        _("Only the workshop's manager can accept a stocktake."),
        "managers of the stocktake's workshop",
    ),
    # Reports
    "reports.read_stock": Permission(
        _any(_coordinator, _workshop_staff),
        _("The stock report is for workshops and the coordination."),
        "workshops, coordination",
    ),
    "reports.read_supply": Permission(
        _any(_coordinator, _manages_a_workshop),
        _("Supply against demand is for the coordination and the workshops' managers."),
        "coordination, workshop managers",
    ),
    "reports.read_funder": Permission(
        _any(_coordinator, lambda user, obj=None: user.is_funder),
        _("Funder reports are for funders and the coordination."),
        "funders, coordination",
    ),
    "reports.read_unmasked": Permission(
        _coordinator,
        _("Only the coordination reads figures under 5 unmasked."),
        'coordination (others read "< 5")',
    ),
    "reports.audit_chain": Permission(
        _coordinator, _("Only the coordination reads the chain-of-proof audit."), "coordination"
    ),
    "reports.read_rows": Permission(
        _coordinator, _("Only the coordination opens the rows behind a figure."), "coordination"
    ),
    # Orders: every step of beneficiaries.orders asks one of these.
    "orders.order": Permission(
        _structure_staff, _("Only the structure's staff can do this."), "mediation structures"
    ),
    "structures.act_for": Permission(
        _member_of_structure,
        _("Only the structure's staff can do this."),
        "members of the structure (the object)",
    ),
    "orders.edit": Permission(
        _objects_structure,
        _("Only the ordering structure can change its order."),
        "the ordering structure",
    ),
    "orders.submit": Permission(
        _objects_structure,
        _("Only the ordering structure can submit its order."),
        "the ordering structure",
    ),
    "orders.decide": Permission(
        _coordinator, _("Only a coordinator can approve or refuse an order."), "coordination"
    ),
    "orders.reserve": Permission(
        _in_objects_workshop,
        _("Only the preparing workshop can reserve devices for this order."),
        "members of the order's workshop",
    ),
    "orders.prepare": Permission(
        _in_objects_workshop,
        _("Only the preparing workshop can do this."),
        "members of the order's workshop",
    ),
    # The structure's order: the workshop prepares it, only the structure (or the
    # coordination) may call it off.
    "orders.cancel": Permission(
        _any(_objects_structure, _coordinator),
        _("Only the ordering structure or the coordination can cancel this order."),
        "the ordering structure, coordination",
    ),
    "orders.close": Permission(
        _objects_structure,
        _("Only the ordering structure can close its order."),
        "the ordering structure",
    ),
    "orders.receive": Permission(
        _objects_structure,
        _("Only the ordering structure can confirm it received its order."),
        "the ordering structure",
    ),
    # Notes, reasons and the people named: the structure's words (readers included).
    "orders.read_reason": Permission(
        _any(_coordinator, _sees_objects_structure),
        _("Only the ordering structure and the coordination read this."),
        "the ordering structure (readers too), coordination",
    ),
    # Hand-over and after-sales
    "allocations.return": Permission(
        _any(_objects_structure, _coordinator),
        _("Only the structure that handed it over can record a return."),
        "the structure that handed it over, coordination",
    ),
    "allocations.late_return": Permission(
        _coordinator,
        _("The warranty has ended: only a coordinator can accept this return."),
        "coordination",
    ),
    "allocations.hand_over": Permission(
        _any(_coordinator, _member_of_structure),
        _("Only the structure's staff can do this."),
        "members of the structure (the object), coordination",
    ),
    "allocations.grant_coordinator_exemption": Permission(
        _coordinator, _("Only a coordinator can grant this exemption."), "coordination"
    ),
    "allocations.override_limit": Permission(
        _coordinator,
        _("Only a coordinator can let a person receive one more device of a type."),
        "coordination",
    ),
    "tariffs.set": Permission(
        _coordinator, _("Only a coordinator sets the tariff grid."), "coordination"
    ),
    # Eligibility (décret of 7 Nov. 2022): the structure that sees the proof records it.
    "eligibility.record": Permission(
        _objects_structure,
        _("Only the structure that follows this person records the proof seen."),
        "the person's structure",
    ),
    "eligibility.manage_proofs": Permission(
        _coordinator,
        _("Only the coordination sets the list of eligibility proofs."),
        "coordination",
    ),
    "structures.set_precarity": Permission(
        _coordinator,
        _("Only the coordination says which associations serve people in precarity."),
        "coordination",
    ),
    "people.waive_training": Permission(
        _coordinator, _("Only a coordinator can waive the training."), "coordination"
    ),
    "people.export_or_erase": Permission(
        _coordinator,
        _("Only the coordination exports or erases a person's data."),
        "coordination",
    ),
    "people.read_access_log": Permission(
        _coordinator, _("Only the coordination reads the access log."), "coordination"
    ),
    # A person's own notices (notices app): only their recipient marks one read.
    "notices.mark_read": Permission(
        lambda user, obj: obj.recipient_id == user.pk,
        _("Only its recipient can mark a notice read."),
        "the notice's recipient",
    ),
    "organisations.edit_identity": Permission(
        _any(
            _coordinator,
            lambda user, org=None: (
                org is not None
                and any(
                    m.organisation_id == org.pk and m.role in (Role.MANAGER, Role.STAFF)
                    for m in user.memberships_cached()
                )
            ),
        ),
        _("Only the organisation's managers and staff, or the coordination, set its identity."),
        "managers and staff of the organisation (the object), coordination",
    ),
    "accounts.invite": Permission(
        _coordinator, _("Only the coordination invites people."), "coordination"
    ),
    "structures.import": Permission(
        _coordinator, _("Only a coordinator imports structures."), "coordination"
    ),
    # The territory on a map (maps app): each layer says who reads it.
    "map.read": Permission(
        _any(
            _coordinator,
            _reads_as(
                OrganisationKind.FUNDER, OrganisationKind.WORKSHOP, OrganisationKind.MEDIATION
            ),
        ),
        _("The map is for the coordination, funders, workshops and mediation structures."),
        "coordination, funders, workshops, mediation structures",
    ),
    "map.read_structures": Permission(
        _any(_coordinator, _reads_as(OrganisationKind.FUNDER, OrganisationKind.MEDIATION)),
        _("The structures' layer is for the coordination, funders and mediation structures."),
        "coordination, funders, mediation structures",
    ),
    "map.read_collection": Permission(
        _any(_coordinator, _reads_as(OrganisationKind.FUNDER, OrganisationKind.WORKSHOP)),
        _("The collection layers are for the coordination, funders and workshops."),
        "coordination, funders, workshops (their own devices)",
    ),
    "map.read_need": Permission(
        _any(_coordinator, _reads_as(OrganisationKind.FUNDER)),
        _("The need layers are for the coordination and funders."),
        "coordination, funders",
    ),
    "map.read_fairness": Permission(
        _coordinator,
        _("Only the coordination compares allocations with the fragility index."),
        "coordination",
    ),
    "map.import_fragility": Permission(
        _coordinator,
        _("Only the coordination imports the digital-fragility index."),
        "coordination",
    ),
    "map.switch_public": Permission(
        _coordinator, _("Only the coordination turns the public map on or off."), "coordination"
    ),
    "structures.export_national": Permission(
        _coordinator,
        _("Only the coordination exports the structures for the national map."),
        "coordination",
    ),
}


def can(user, action: str, obj=None) -> bool:
    """Whether the user may take the action (on obj, for the rules about one object)."""
    if not user.is_authenticated:
        return False
    return bool(PERMISSIONS[action].rule(user, obj))


def refusal(action: str) -> str:
    return str(PERMISSIONS[action].refusal)


def require(user, action: str, obj=None) -> None:
    """Refuse with the action's own wording when the user may not take it."""
    if not can(user, action, obj):
        raise PermissionDenied(refusal(action))
