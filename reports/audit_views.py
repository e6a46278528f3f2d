"""The coordinator's page of the chain-of-proof audit (the same as `manage.py audit_chain`)."""

from django.shortcuts import render

from accounts import permissions
from inventory.models import Device

from .audit import chain_audit


def chain_audit_view(request):
    permissions.require(request.user, "reports.audit_chain")
    audit = chain_audit(Device.objects.visible_to(request.user))
    return render(request, "reports/chain_audit.html", {"audit": audit})
