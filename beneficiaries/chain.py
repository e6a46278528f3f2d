"""The quasi-don's part of the chain of proof, for the audit (reports.audit): a device handed
over went to a trained person (or one with a waiver), for the charge the grid and the law
allow, and was not paid beyond it. Each rule is the one the hand-over applies."""

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .allocations import price_cap, training_problem
from .models import Allocation


def _eur(amount) -> str:
    return number_format(amount, 2)


def allocation_chain_breaks(allocation: Allocation) -> list[str]:
    breaks = []
    device = allocation.device
    person = allocation.person
    if person is not None and allocation.waiver_id is None and not person.anonymised_at:
        # An erased person's enrolments are gone with her: the hand-over checked them then.
        problem = training_problem(person, device)
        if problem:
            breaks.append(problem)
    if allocation.exemption_reason_id is None and allocation.charge != allocation.tariff_amount:
        breaks.append(
            _("Charge %(charge)s € differs from the grid's %(tariff)s € with no exemption.")
            % {"charge": _eur(allocation.charge), "tariff": _eur(allocation.tariff_amount)}
        )
    cap = price_cap(device)
    if cap is not None and allocation.charge > cap:
        breaks.append(
            _("Charge %(charge)s € is above the legal cap of %(cap)s €.")
            % {"charge": _eur(allocation.charge), "cap": _eur(cap)}
        )
    paid = allocation.amount_paid()
    if paid > allocation.charge:
        breaks.append(
            _("Payments of %(paid)s € exceed the charge of %(charge)s €.")
            % {"paid": _eur(paid), "charge": _eur(allocation.charge)}
        )
    return breaks
