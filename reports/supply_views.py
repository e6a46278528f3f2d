"""Supply against demand, for the coordination and the workshops' managers (reports.supply)."""

from django.shortcuts import render

from accounts import permissions
from core.db import reading_replica

from . import supply


@reading_replica()
def supply_demand(request):
    permissions.require(request.user, "reports.read_supply")
    report = supply.supply_report(request.user)
    return render(request, "reports/supply.html", {"report": report, "weeks": supply.WEEKS})
