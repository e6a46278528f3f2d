"""Screens of the GDPR features: a person's data exported or erased by the coordination, and
the trail of who viewed or exported personal data."""

import json
from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models.functions import Lower
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts import permissions
from core.sorting import sort_for

from . import privacy
from .models import AuditLog, Person


def _person(request, pk) -> Person:
    # Scoped first (another structure's staff get a 404), then coordinators only (403).
    person = get_object_or_404(Person.objects.visible_to(request.user), pk=pk)
    privacy.require_coordinator(request.user)
    return person


def person_export(request, pk):
    """Right of access: everything stored about the person, as a JSON file."""
    person = _person(request, pk)
    data = privacy.person_export(person=person, user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="personne-{person.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


def person_erase(request, pk):
    """Right to erasure: a confirmation page, then the person becomes a pseudonym."""
    person = _person(request, pk)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm the erasure."))
        else:
            person = privacy.person_erase(person=person, user=request.user)
            messages.success(
                request,
                _("The person's data was erased; their devices and receipts now read “%(p)s”.")
                % {"p": person},
            )
            return redirect(person)
    return render(
        request,
        "beneficiaries/person_erase.html",
        {
            "person": person,
            "n_allocations": person.allocations.count(),
            "n_enrolments": person.enrolments.count(),
        },
    )


AUDIT_SORTS = {
    "at": "at",
    "who": Lower("username"),
    "organisation": Lower("organisation__name"),
    "action": "action",
    "person": "person_id",
}


def audit_log(request):
    """Coordinators: who viewed, exported, erased or anonymised personal data."""
    permissions.require(request.user, "people.read_access_log")
    entries = AuditLog.objects.visible_to(request.user).select_related(
        "person", "organisation", "user"
    )
    g = request.GET
    action = g.get("action", "")
    if action in AuditLog.Action.values:
        entries = entries.filter(action=action)
    who = g.get("who", "").strip()
    if who:
        entries = entries.filter(username__icontains=who)
    person = g.get("person", "")
    if person.isdigit():
        entries = entries.filter(person_id=int(person))
    for key, lookup in (("from", "at__date__gte"), ("to", "at__date__lte")):
        try:
            entries = entries.filter(**{lookup: date.fromisoformat(g.get(key, ""))})
        except ValueError:
            pass
    sort = sort_for(request, AUDIT_SORTS, "-at")
    page = Paginator(sort.apply(entries), 100).get_page(g.get("page"))
    return render(
        request,
        "beneficiaries/audit_log.html",
        {
            "page": page,
            "actions": AuditLog.Action.choices,
            "filters": {
                "action": action,
                "who": who,
                "person": person,
                "from": g.get("from", ""),
                "to": g.get("to", ""),
            },
            "query": sort.page_query,
            "sort": sort,
        },
    )
