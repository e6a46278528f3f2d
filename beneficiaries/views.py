from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import permissions
from accounts.enums import OrganisationKind
from core.pagination import list_page, related_count
from core.sorting import choice_order, sort_for
from inventory.models import Device

from . import allocations, eligibility, orders, privacy, services, signatures
from .enums import AgeBand, OrderStatus
from .forms import (
    CancelForm,
    DecisionForm,
    EligibilityCheckForm,
    EnrolForm,
    HandoverForm,
    LimitOverrideForm,
    MednumUploadForm,
    OrderLineFormSet,
    PaymentForm,
    PersonForm,
    PersonReferForm,
    ProofKindForm,
    ReturnForm,
    SessionForm,
    WaiverForm,
)
from .mednum import MednumFileError
from .mednum_export import national_export, skipped_summary
from .mednum_schema import SCHEMA_VERSION
from .models import (
    Allocation,
    AuditLog,
    EligibilityProofKind,
    Enrolment,
    Order,
    OrderLine,
    OrderStep,
    Person,
    Reservation,
    Signature,
    Structure,
    TrainingProgramme,
    TrainingSession,
)


def _my_structure(request):
    """The mediation structure the user acts for (the first one if several)."""
    for m in request.user.memberships_cached():
        if m.organisation.kind == OrganisationKind.MEDIATION and permissions.can(
            request.user, "structures.act_for", m.organisation
        ):
            return m.organisation
    raise PermissionDenied(_("Only the staff of a mediation structure can do this."))


def _errors(request, exc) -> None:
    for message in getattr(exc, "messages", [str(exc)]):
        messages.error(request, message)


# People


PERSON_SORTS = {
    "created": "created_at",
    "name": (Lower("last_name"), Lower("first_name"), Lower("reference")),
    "structure": Lower("structure__name"),
    "age_band": choice_order("age_band", AgeBand),
    "eligibility": Lower("eligibility__label"),
    "devices": "n_alloc",
}


def person_list(request):
    sort = sort_for(request, PERSON_SORTS, "-created")
    people = sort.apply(
        Person.objects.visible_to(request.user)
        .select_related("structure", "eligibility")
        .annotate(n_alloc=related_count(Allocation, "person"))
    )
    q = request.GET.get("q", "").strip()
    if q:
        people = people.filter(
            Q(last_name__icontains=q) | Q(first_name__icontains=q) | Q(reference__icontains=q)
        )
    # One line for the list (it names people), not one per person shown.
    privacy.audit(user=request.user, action=AuditLog.Action.VIEW, detail="list")
    page = list_page(request, people)
    return render(
        request,
        "beneficiaries/person_list.html",
        {
            "page": page,
            "people": page,
            "q": q,
            "sort": sort,
            "query": sort.page_query,
        },
    )


def person_create(request):
    structure = _my_structure(request)
    form = PersonReferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        data.pop("pseudonymous")
        proof_kind, proof_seen_on = data.pop("proof_kind"), data.pop("proof_seen_on")
        try:
            # The person and the proof seen, or neither: a refused date writes nobody.
            with transaction.atomic():
                person = services.person_create(structure=structure, user=request.user, **data)
                if proof_kind is not None:
                    eligibility.check_record(
                        person=person, kind=proof_kind, seen_on=proof_seen_on, user=request.user
                    )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(person)s referred.") % {"person": person})
            return redirect(person)
    return render(request, "beneficiaries/person_form.html", {"form": form})


def person_edit(request, pk):
    person = get_object_or_404(Person.objects.visible_to(request.user), pk=pk)
    initial = {
        f: getattr(person, f)
        for f in (
            "reference",
            "first_name",
            "last_name",
            "phone",
            "email",
            "age_band",
            "situation",
            "eligibility",
            "eligibility_justification",
            "eligibility_checked_on",
            "consent_purpose",
            "consent_given_on",
        )
    }
    initial["commune"] = person.commune or ""
    initial["pseudonymous"] = not person.last_name
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(person=person, user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, _("%(person)s updated.") % {"person": person})
            return redirect(person)
    if request.method == "GET":
        privacy.audit(user=request.user, action=AuditLog.Action.VIEW, person=person, detail="edit")
    return render(request, "beneficiaries/person_form.html", {"form": form, "person": person})


def person_detail(request, pk):
    person = get_object_or_404(
        Person.objects.visible_to(request.user).select_related(
            "structure", "eligibility", "commune"
        ),
        pk=pk,
    )
    programmes = [
        (p, services.training_missing(person, p))
        for p in TrainingProgramme.objects.prefetch_related("modules")
    ]
    privacy.audit(user=request.user, action=AuditLog.Action.VIEW, person=person)
    return render(
        request,
        "beneficiaries/person_detail.html",
        {
            "person": person,
            "programmes": programmes,
            "enrolments": person.enrolments.select_related("session__programme"),
            "allocations": person.allocations.select_related("device"),
            "waivers": person.waivers.select_related("programme", "granted_by"),
            "waiver_form": (
                WaiverForm() if permissions.can(request.user, "people.waive_training") else None
            ),
            "limit_overrides": person.limit_overrides.select_related("granted_by"),
            **_eligibility_context(request.user, person),
            "limit_form": (
                LimitOverrideForm(prefix="limit")
                if permissions.can(request.user, "allocations.override_limit")
                else None
            ),
        },
    )


def _eligibility_context(user, person) -> dict:
    """The proofs seen (newest first), whether the one in force still counts, and the form."""
    checks = list(person.eligibility_checks.select_related("kind", "recorded_by"))
    in_force = checks[0] if checks else None
    return {
        "eligibility_checks": checks,
        "eligibility_in_force": in_force,
        "eligibility_valid": eligibility.check_valid_on(in_force, timezone.localdate()),
        "recheck_months": settings.FILIERE_ELIGIBILITY_RECHECK_MONTHS,
        "eligibility_form": (
            EligibilityCheckForm(prefix="proof")
            if permissions.can(user, "eligibility.record", person)
            else None
        ),
    }


@require_POST
def person_eligibility(request, pk):
    """The structure records the kind of proof it saw and the date (a correction is a new
    row); from the hand-over page, back to it."""
    person = get_object_or_404(Person.objects.visible_to(request.user), pk=pk)
    form = EligibilityCheckForm(request.POST, prefix="proof")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    if form.is_valid():
        try:
            check = eligibility.check_record(person=person, user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            messages.success(
                request,
                _("Proof recorded: %(kind)s, seen on %(date)s.")
                % {"kind": check.kind, "date": formats.date_format(check.seen_on, "DATE_FORMAT")},
            )
    else:
        for name, errors in form.errors.items():
            for error in errors:
                messages.error(
                    request,
                    _("%(field)s: %(error)s") % {"field": form.fields[name].label, "error": error},
                )
    return redirect(back or f"{person.get_absolute_url()}#eligibility")


def proof_kind_list(request):
    """The coordination's list of kinds of proof: add one, turn one off or on again."""
    permissions.require(request.user, "eligibility.manage_proofs")
    form = ProofKindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            kind = eligibility.proof_kind_create(name=form.cleaned_data["name"], user=request.user)
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            messages.success(request, _("“%(kind)s” added to the list.") % {"kind": kind})
            return redirect("beneficiaries:proof_kind_list")
    # Meta.ordering does not apply to a grouped query: the order is asked for.
    kinds = EligibilityProofKind.objects.annotate(n=Count("checks")).order_by("order", "name")
    return render(
        request,
        "beneficiaries/proof_kinds.html",
        {
            "kinds": kinds,
            "form": form,
            "recheck_months": settings.FILIERE_ELIGIBILITY_RECHECK_MONTHS,
        },
    )


@require_POST
def proof_kind_toggle(request, pk):
    permissions.require(request.user, "eligibility.manage_proofs")
    kind = get_object_or_404(EligibilityProofKind, pk=pk)
    active = request.POST.get("active") == "1"
    eligibility.proof_kind_set_active(kind=kind, active=active, user=request.user)
    if active:
        messages.success(request, _("“%(kind)s” is offered again.") % {"kind": kind})
    else:
        messages.success(
            request,
            _("“%(kind)s” is no longer offered; the proofs recorded with it are kept.")
            % {"kind": kind},
        )
    return redirect("beneficiaries:proof_kind_list")


@require_POST
def person_limit_override(request, pk):
    """A coordinator lets the person receive one more device of a type, with the reason."""
    person = get_object_or_404(Person.objects.visible_to(request.user), pk=pk)
    form = LimitOverrideForm(request.POST, prefix="limit")
    if form.is_valid():
        try:
            allocations.limit_override_grant(person=person, user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Exception recorded."))
    else:
        _errors(request, ValidationError(list(form.errors.values())[0]))
    return redirect(person)


@require_POST
def person_waiver(request, pk):
    person = get_object_or_404(Person.objects.visible_to(request.user), pk=pk)
    form = WaiverForm(request.POST)
    if form.is_valid():
        try:
            services.waiver_grant(person=person, user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Waiver recorded."))
    return redirect(person)


# Trainings


SESSION_SORTS = {
    "date": "starts_at",
    "place": Lower("place"),
    "trainer": Lower("trainer"),
    "enrolled": "n",
}


def session_list(request):
    sort = sort_for(request, SESSION_SORTS, "-date")
    sessions = sort.apply(
        TrainingSession.objects.visible_to(request.user)
        .select_related("programme", "structure")
        .annotate(n=related_count(Enrolment, "session"))
    )
    page = list_page(request, sessions)
    return render(
        request,
        "beneficiaries/session_list.html",
        {
            "page": page,
            "sessions": page,
            "sort": sort,
            "query": sort.page_query,
        },
    )


def session_create(request):
    structure = _my_structure(request)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(
                structure=structure, user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Session “%(session)s” created: enrol the people who will attend it.")
                % {"session": session},
            )
            return redirect(session)
    return render(
        request, "beneficiaries/form.html", {"form": form, "title": _("New training session")}
    )


def session_detail(request, pk):
    session = get_object_or_404(
        TrainingSession.objects.visible_to(request.user).select_related("programme", "structure"),
        pk=pk,
    )
    people = Person.objects.visible_to(request.user).filter(structure=session.structure)
    enrol_form = EnrolForm(request.POST or None, people=people.exclude(enrolments__session=session))
    if request.method == "POST" and "enrol" in request.POST and enrol_form.is_valid():
        person = enrol_form.cleaned_data["person"]
        try:
            services.enrol(session=session, person=person, user=request.user)
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            taken = session.enrolments.count()
            messages.success(
                request,
                ngettext(
                    "%(person)s is enrolled: %(n)s of %(capacity)s place taken.",
                    "%(person)s is enrolled: %(n)s of %(capacity)s places taken.",
                    taken,
                )
                % {"person": person, "n": taken, "capacity": session.capacity},
            )
        return redirect(session)
    # An invalid choice (nobody chosen, someone enrolled meanwhile) falls through to the page
    # with the form's error: it was a redirect that said nothing.
    if request.method == "POST" and "attendance" in request.POST:
        present = {int(v) for v in request.POST.getlist("present") if v.isdigit()}
        try:
            n = services.attendance_record(session=session, present=present, user=request.user)
        except (PermissionDenied, ValidationError) as exc:
            _errors(request, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "Attendance recorded: %(n)s person present.",
                    "Attendance recorded: %(n)s people present.",
                    n,
                )
                % {"n": n},
            )
        return redirect(session)
    # The attendance list and the enrolment choice name people.
    privacy.audit(user=request.user, action=AuditLog.Action.VIEW, detail=f"session {session.pk}")
    return render(
        request,
        "beneficiaries/session_detail.html",
        {
            "session": session,
            "enrol_form": enrol_form,
            "enrolments": session.enrolments.select_related("person"),
            "modules": session.modules.all(),
        },
    )


# Orders


ORDER_SORTS = {
    "reference": "reference",
    "structure": Lower("structure__name"),
    "status": choice_order("status", OrderStatus),
    "workshop": Lower("workshop__name"),
    "created": "created_at",
}


def order_list(request):
    sort = sort_for(request, ORDER_SORTS, "-created")
    qs = sort.apply(
        Order.objects.visible_to(request.user)
        .select_related("structure", "workshop")
        .annotate(n_lines=related_count(OrderLine, "order"))
    )
    status = request.GET.get("status", "")
    if status in OrderStatus.values:
        qs = qs.filter(status=status)
    page = list_page(request, qs)
    shown = list(page)
    awaited = orders.devices_awaited([o.pk for o in shown])
    for order in shown:
        order.awaited = awaited.get(order.pk)
    return render(
        request,
        "beneficiaries/order_list.html",
        {
            "orders": shown,
            "page": page,
            "query": sort.page_query,
            "sort": sort,
            "status": status,
            "statuses": OrderStatus.choices,
            "can_order": permissions.can(request.user, "orders.order"),
        },
    )


LINES_ADDED = 4  # "Add lines": four more empty lines, up to the formset's maximum


def _lines_data(request):
    """(data, adding): the form's data, with LINES_ADDED more lines when "Add lines" was
    pressed (then nothing is saved: the same page comes back with what was typed)."""
    if request.method != "POST":
        return None, False
    if "more_lines" not in request.POST:
        return request.POST, False
    data = request.POST.copy()
    try:
        total = int(data.get("form-TOTAL_FORMS", "0"))
    except ValueError:
        total = 0
    data["form-TOTAL_FORMS"] = str(min(total + LINES_ADDED, OrderLineFormSet.max_num))
    return data, True


def order_create(request):
    structure = _my_structure(request)
    people = Person.objects.visible_to(request.user).filter(structure=structure)
    data, adding = _lines_data(request)
    formset = OrderLineFormSet(data, form_kwargs={"people": people})
    notes = request.POST.get("notes", "")
    if request.method == "POST" and not adding and formset.is_valid():
        lines = [line for form in formset if (line := form.line())]
        try:
            order = orders.order_create(
                structure=structure, user=request.user, lines=lines, notes=notes
            )
            if "submit" in request.POST:
                orders.order_submit(order=order, user=request.user)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Order %(ref)s saved.") % {"ref": order.reference})
            return redirect(order)
    return render(
        request,
        "beneficiaries/order_form.html",
        {"formset": formset, "notes": notes, "title": _("New order")},
    )


def _order_for(request, pk) -> Order:
    return get_object_or_404(
        Order.objects.visible_to(request.user).select_related("structure", "workshop"), pk=pk
    )


def _line_initial(line) -> dict:
    return {
        "device_type": line.device_type,
        "quantity": line.quantity,
        "min_ram_gb": line.min_ram_mb // 1024 if line.min_ram_mb else None,
        "min_storage_gb": line.min_storage_gb,
        "min_grade": line.min_grade,
        "person": line.person_id,
    }


def order_edit(request, pk):
    """The lines and notes, changed by the structure until the workshop has prepared the
    order (after the approval, the change goes back to the coordination)."""
    order = _order_for(request, pk)
    permissions.require(request.user, "orders.edit", order)
    if order.status not in orders.EDITABLE:
        messages.error(
            request,
            _(
                "Once the workshop has prepared it, the order cannot be changed any more: cancel "
                "it or order again."
            ),
        )
        return redirect(order)
    people = Person.objects.visible_to(request.user).filter(structure=order.structure)
    data, adding = _lines_data(request)
    formset = OrderLineFormSet(
        data,
        form_kwargs={"people": people},
        initial=[_line_initial(line) for line in order.lines.all()],
    )
    notes = request.POST.get("notes", "") if request.method == "POST" else order.notes
    if request.method == "POST" and not adding and formset.is_valid():
        lines = [line for form in formset if (line := form.line())]
        try:
            order = orders.order_edit(order=order, user=request.user, lines=lines, notes=notes)
            if "submit" in request.POST and order.status == OrderStatus.DRAFT:
                orders.order_submit(order=order, user=request.user)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Order %(ref)s saved.") % {"ref": order.reference})
            return redirect(order)
    return render(
        request,
        "beneficiaries/order_form.html",
        {
            "formset": formset,
            "notes": notes,
            "title": order.reference,
            "order": order,
            "back_to_approval": order.status in (OrderStatus.APPROVED, OrderStatus.PREPARING),
        },
    )


def order_detail(request, pk):
    order = _order_for(request, pk)
    user = request.user
    reservations = (
        Reservation.objects.filter(line__order=order)
        .select_related("device", "line__person")
        .order_by("id")
    )
    # The structure's words and the people it names: the structure and the coordination.
    sees_words = permissions.can(user, "orders.read_reason", order)
    if sees_words:
        named = {pk for pk in order.lines.values_list("person_id", flat=True) if pk}
        if named:
            privacy.audit(
                user=user,
                action=AuditLog.Action.VIEW,
                person_id=next(iter(named)) if len(named) == 1 else None,
                detail=f"order {order.reference}",
            )
    may = {
        step: permissions.can(user, action, order) for step, action in orders.ORDER_STEPS.items()
    }
    steps = list(order.steps.select_related("actor", "device"))
    kinds = {step.kind for step in steps}
    progress = orders.line_progress(order)
    waiting = order.status in orders.WAITING
    return render(
        request,
        "beneficiaries/order_detail.html",
        {
            "order": order,
            "progress": progress,
            "steps": steps,
            "editable": may["edit"] and order.status in orders.EDITABLE,
            "may_pick": may["scan"] and waiting,
            "may_dispatch": may["dispatch"]
            and order.status == OrderStatus.READY
            and OrderStep.Kind.DISPATCHED not in kinds,
            "may_receive": may["receive"]
            and OrderStep.Kind.DISPATCHED in kinds
            and OrderStep.Kind.RECEIVED not in kinds,
            "may_prioritise": may["priority"]
            and order.status in (OrderStatus.SUBMITTED, *orders.WAITING),
            "may_split": may["split"]
            and waiting
            and any(p["served"] for p in progress)
            and any(p["waiting"] for p in progress),
            "may_picking_list": may["ready"]
            and order.status in (*orders.WAITING, OrderStatus.READY),
            "delivery_note": order.status
            in (OrderStatus.READY, OrderStatus.HANDED_OVER, OrderStatus.CLOSED),
            "reservations": reservations,
            "allocations": Allocation.objects.filter(order_line__order=order).select_related(
                "device", "person"
            ),
            "events": order.events.select_related("actor"),
            "sees_words": sees_words,
            "may": may,
            "may_hand_over": permissions.can(user, "structures.act_for", order.structure),
            "decision_form": DecisionForm() if may["decide"] else None,
            "next": orders.ORDER_FLOW[order.status],
        },
    )


@require_POST
def order_action(request, pk, action):
    order = _order_for(request, pk)
    user = request.user
    try:
        if action == "submit":
            orders.order_submit(order=order, user=user)
        elif action == "decide":
            form = DecisionForm(request.POST)
            form.is_valid()
            orders.order_decide(
                order=order,
                user=user,
                approve="approve" in request.POST,
                workshop=form.cleaned_data.get("workshop"),
                note=form.cleaned_data.get("note", ""),
                funding_programme=form.cleaned_data.get("funding_programme"),
            )
        elif action == "reserve":
            orders.order_reserve(order=order, user=user)
        elif action == "ready":
            orders.order_mark_ready(order=order, user=user)
        elif action == "split":
            rest = orders.order_split_served(order=order, user=user)
            messages.success(
                request,
                _("%(ref)s is ready to hand over; what it still waits for is in %(rest)s.")
                % {"ref": order.reference, "rest": rest.reference},
            )
            return redirect(order)
        elif action == "cancel":
            orders.order_cancel(order=order, user=user, reason=request.POST.get("reason", ""))
        elif action == "scan":
            replaces = (
                Reservation.objects.filter(
                    line__order=order, released_at__isnull=True, pk=request.POST["replaces"]
                ).first()
                if request.POST.get("replaces", "").isdigit()
                else None
            )
            if request.POST.get("replaces") and replaces is None:
                raise ValidationError(_("This device is no longer reserved for the order."))
            reservation = orders.order_scan(
                order=order, user=user, scanned=request.POST.get("scan", ""), replaces=replaces
            )
            messages.success(
                request,
                _("%(tag)s reserved for the order.") % {"tag": reservation.device.asset_tag},
            )
            return redirect(order)
        elif action == "dispatch":
            orders.order_dispatch(order=order, user=user, note=request.POST.get("note", ""))
        elif action == "receive":
            orders.order_receive(order=order, user=user, note=request.POST.get("note", ""))
        elif action == "priority":
            value = request.POST.get("priority", "")
            if not value.isdigit():
                raise ValidationError(_("The priority is a number from 0 to 9."))
            orders.order_set_priority(order=order, user=user, priority=int(value))
        elif action == "close":
            orders.order_close(order=order, user=user)
        else:
            raise PermissionDenied
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    else:
        order.refresh_from_db()
        messages.success(
            request,
            _("Order %(ref)s: %(status)s.")
            % {"ref": order.reference, "status": order.get_status_display()},
        )
    return redirect(order)


def order_cancel(request, pk):
    """Cancelling asks why and for a confirmation: the devices go back to the stock."""
    order = _order_for(request, pk)
    permissions.require(request.user, "orders.cancel", order)
    form = CancelForm(request.POST or None)
    if OrderStatus.CANCELLED not in orders.ORDER_FLOW[order.status]:
        messages.error(
            request,
            _("An order “%(status)s” cannot be cancelled.")
            % {"status": order.get_status_display()},
        )
        return redirect(order)
    if request.method == "POST" and form.is_valid():
        try:
            orders.order_cancel(order=order, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Order %(ref)s cancelled.") % {"ref": order.reference})
            return redirect(order)
    held = Reservation.objects.filter(line__order=order, released_at__isnull=True).count()
    return render(
        request,
        "beneficiaries/order_cancel.html",
        {"order": order, "form": form, "held": held, "lines": order.lines.all()},
    )


# Handover


def handover(request, device_pk):
    """Hand a reserved (or ready) device over to a person of the structure."""
    structure = _my_structure(request)
    reservation = (
        Reservation.objects.select_related("line__order", "line__person", "device")
        .filter(device_id=device_pk, released_at__isnull=True, line__order__structure=structure)
        .first()
    )
    if reservation is None:
        # A second visit (back button, a link kept): the hand-over is done, show it.
        done = (
            Allocation.objects.visible_to(request.user)
            .filter(device_id=device_pk, structure=structure, returned_at__isnull=True)
            .order_by("-pk")
            .first()
        )
        if done is not None:
            messages.info(
                request,
                _("This device was already handed over on %(date)s.")
                % {"date": formats.date_format(timezone.localtime(done.handed_over_at), "j F Y")},
            )
            return redirect(done)
        raise PermissionDenied(_("This device is not reserved for your structure."))
    device = reservation.device
    people = Person.objects.visible_to(request.user).filter(structure=structure)
    initial = {"person": reservation.line.person_id}
    form = HandoverForm(request.POST or None, people=people, initial=initial)
    terms = None
    proof_person = None  # refused for want of a proof: the page offers to record it
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        handover_args = {
            "device": device,
            "structure": structure,
            "user": request.user,
            "person": data["person"],
            "exemption": data["exemption"],
            "exemption_note": data["exemption_note"],
            "reassign_reason": data["reassign_reason"],
        }
        try:
            if "confirm" in request.POST:
                # The drawing is checked first: a bad one writes nothing.
                drawn = signatures.signature_png(request.POST.get("signature", ""))
                with transaction.atomic():
                    allocation = allocations.allocation_create(**handover_args)
                    signatures.signature_record(
                        allocation=allocation,
                        kind=Signature.Kind.HANDOVER,
                        image=drawn,
                        on_paper=drawn is None,
                        user=request.user,
                    )
            else:
                # First the recap: every rule checked, nothing written yet.
                terms = allocations.handover_terms(**handover_args)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc if isinstance(exc, ValidationError) else str(exc))
            if isinstance(exc, eligibility.EligibilityMissing):
                proof_person = exc.person
        except DatabaseError:
            # The service's transaction rolled back: nothing of the hand-over was written.
            form.add_error(
                None, _("The hand-over could not be saved: nothing was recorded. Try again.")
            )
        else:
            if terms is None:
                messages.success(request, _("%(tag)s handed over.") % {"tag": device.asset_tag})
                return redirect(allocation)
    if terms is not None:
        if terms.person is not None:
            privacy.audit(
                user=request.user,
                action=AuditLog.Action.VIEW,
                person=terms.person,
                detail="handover recap",
            )
        return render(
            request,
            "beneficiaries/handover_recap.html",
            {
                "form": form,
                "terms": terms,
                "device": device,
                "reservation": reservation,
                "exemption": form.cleaned_data["exemption"],
                "exemption_note": form.cleaned_data["exemption_note"],
                "reassign_reason": form.cleaned_data["reassign_reason"],
                "programme": services.programme_for(device.device_type),
            },
        )
    tariff = None
    try:
        tariff = allocations.tariff_for(device)
    except ValidationError as exc:
        form.add_error(None, exc)
    cap = allocations.price_cap(Device.objects.select_related("batch__donor").get(pk=device.pk))
    proof_warning = proof_person is None and eligibility.proof_lacking(
        person=reservation.line.person, structure=structure, public_body=cap is not None
    )
    if proof_warning:
        proof_person = reservation.line.person
    return render(
        request,
        "beneficiaries/handover.html",
        {
            "form": form,
            "device": device,
            "reservation": reservation,
            "tariff": tariff,
            "proof_person": proof_person,
            "proof_warning": proof_warning,
            "eligibility_form": EligibilityCheckForm(prefix="proof") if proof_person else None,
            "cap": cap,
        },
    )


def _allocation_for(request, pk) -> Allocation:
    return get_object_or_404(
        Allocation.objects.visible_to(request.user).select_related("device", "person", "structure"),
        pk=pk,
    )


def allocation_detail(request, pk):
    allocation = _allocation_for(request, pk)
    is_structure = allocation.structure_id in request.user.organisation_ids(
        OrganisationKind.MEDIATION
    )
    payments = list(allocation.payments.order_by("id"))
    paid = allocation.amount_paid(payments)
    due = allocation.amount_due(paid)
    replacement = Allocation.objects.filter(replaces=allocation).select_related("device").first()
    if allocation.person_id:
        privacy.audit(
            user=request.user,
            action=AuditLog.Action.VIEW,
            person=allocation.person,
            detail="allocation",
        )
    return render(
        request,
        "beneficiaries/allocation_detail.html",
        {
            "allocation": allocation,
            "payments": payments,
            "paid": paid,
            "due": due,
            "is_structure": is_structure,
            "payment_form": PaymentForm(initial={"amount": due})
            if is_structure and due > 0
            else None,
            "return_form": ReturnForm() if is_structure and not allocation.returned_at else None,
            "signatures": list(allocation.signatures.order_by("recorded_at", "id")),
            "replacement": replacement,
            "replacements": _replacement_devices(allocation)
            if is_structure and allocation.returned_at and replacement is None
            else [],
        },
    )


@require_POST
def allocation_pay(request, pk):
    allocation = _allocation_for(request, pk)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            payment = allocations.payment_record(
                allocation=allocation, user=request.user, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        except DatabaseError:
            # Another write held the database (SQLite's "database is locked"): the service's
            # transaction rolled back, no receipt number was taken.
            messages.error(
                request,
                _(
                    "The payment could not be saved: nothing was recorded. Check the payments "
                    "below and try again."
                ),
            )
        else:
            messages.success(
                request, _("Payment recorded: receipt %(n)s.") % {"n": payment.receipt_number}
            )
    else:
        _errors(request, ValidationError(list(form.errors.values())[0]))
    return redirect(allocation)


def _replacement_devices(allocation):
    """Devices reserved for the structure's orders ready to hand over: one may replace."""
    return Reservation.objects.filter(
        released_at__isnull=True,
        line__order__structure=allocation.structure,
        line__order__status=OrderStatus.READY,
    ).select_related("device")


@require_POST
def allocation_replace(request, pk):
    allocation = _allocation_for(request, pk)
    reservation = (
        _replacement_devices(allocation).filter(device_id=request.POST.get("device") or 0).first()
    )
    if reservation is None:
        messages.error(request, _("Choose a device reserved for one of your orders."))
        return redirect(allocation)
    try:
        replacement = allocations.allocation_replace(
            allocation=allocation, device=reservation.device, user=request.user
        )
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
        return redirect(allocation)
    messages.success(
        request, _("%(tag)s handed over as a replacement.") % {"tag": reservation.device.asset_tag}
    )
    return redirect(replacement)


@require_POST
def allocation_return(request, pk):
    allocation = _allocation_for(request, pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            # The person signs that the device is given back and that their data on it will
            # be erased: drawn on screen, else on paper.
            drawn = signatures.signature_png(request.POST.get("signature", ""))
            with transaction.atomic():
                allocations.allocation_return(
                    allocation=allocation, user=request.user, reason=form.cleaned_data["reason"]
                )
                signatures.signature_record(
                    allocation=allocation,
                    kind=Signature.Kind.RETURN,
                    image=drawn,
                    on_paper=drawn is None,
                    user=request.user,
                )
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Return recorded: the device goes back to the workshop."))
    return redirect(allocation)


# Structures


STRUCTURE_SORTS = {
    "name": Lower("organisation__name"),
    "commune": (Lower("commune__name"), "postal_code"),
    "updated": "updated_on",
}


def structure_list(request):
    can_export = permissions.can(request.user, "structures.export_national")
    sort = sort_for(request, STRUCTURE_SORTS, "name")
    structures = sort.apply(
        Structure.objects.visible_to(request.user).select_related("organisation", "commune")
    )
    page = list_page(request, structures)
    return render(
        request,
        "beneficiaries/structure_list.html",
        {
            "structures": page,
            "page": page,
            "query": sort.page_query,
            "sort": sort,
            "can_import": permissions.can(request.user, "structures.import"),
            "can_set_precarity": permissions.can(request.user, "structures.set_precarity"),
            "can_export": can_export,
            # Structures the national file leaves out, for the coordination to complete.
            "export_skipped": skipped_summary(request.user) if can_export else None,
            "schema_version": SCHEMA_VERSION,
        },
    )


@require_POST
def structure_precarity(request, pk):
    """The coordination says whether a structure is an association serving people in
    precarity (it may then sell public bodies' devices without a proof per person)."""
    permissions.require(request.user, "structures.set_precarity")
    structure = get_object_or_404(
        Structure.objects.visible_to(request.user).select_related("organisation"), pk=pk
    )
    value = request.POST.get("serves_precarity") == "1"
    eligibility.structure_set_serves_precarity(structure=structure, value=value, user=request.user)
    if value:
        messages.success(
            request,
            _("%(structure)s is recorded as an association serving people in precarity.")
            % {"structure": structure},
        )
    else:
        messages.success(
            request,
            _("%(structure)s is no longer recorded as serving people in precarity.")
            % {"structure": structure},
        )
    return redirect("beneficiaries:structure_list")


def structure_export_national(request):
    """The structures handing out devices, as a CSV of the national schema (for the map)."""
    export = national_export(request.user)
    response = HttpResponse(export.content, content_type="text/csv; charset=utf-8")
    name = f"lieux-mediation-numerique-filiere-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def structure_import(request):
    permissions.require(request.user, "structures.import")
    form = MednumUploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = services.structures_import_mednum(
                content=form.cleaned_data["file"].read(), user=request.user
            )
        except MednumFileError as exc:
            form.add_error("file", str(exc))
    return render(request, "beneficiaries/structure_import.html", {"form": form, "report": report})
