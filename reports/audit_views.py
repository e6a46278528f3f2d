"""The coordinator's page of the chain-of-proof audit (the same as `manage.py audit_chain`)."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import permissions
from inventory.models import Device

from . import tasks
from .audit import (
    RECHECKED_MAX,
    ChainAudit,
    audit_fits_a_request,
    chain_audit,
    last_chain_audit,
)


def chain_audit_view(request):
    """A small base is audited here and now; a large one shows the last recorded audit with
    its broken devices checked again, and the coordinator can run a whole audit in the
    background (the nightly task)."""
    permissions.require(request.user, "reports.audit_chain")
    if request.method == "POST":
        transaction.on_commit(tasks.chain_audit_nightly_task.delay)
        messages.info(
            request,
            _("The audit of every device runs in the background: reload this page in a while."),
        )
        return redirect("reconditioning:chain_audit")
    devices = Device.objects.visible_to(request.user)
    last = audited_at = None
    large = not audit_fits_a_request(devices)
    if not large:
        audit = chain_audit(devices)
    else:
        last = last_chain_audit(request.user)
        audit = None
        if last is not None:
            # The first ones found broken are checked again; the others are counted.
            recorded = sorted(last.params.get("breaks", []))
            broken = chain_audit(devices.filter(pk__in=recorded[:RECHECKED_MAX]))
            audit = ChainAudit(
                last.params.get("checked", 0),
                broken.breaks,
                others=max(0, len(recorded) - RECHECKED_MAX),
            )
            audited_at = last.finished_at
    return render(
        request,
        "reports/chain_audit.html",
        {"audit": audit, "audited_at": audited_at, "large": large},
    )
