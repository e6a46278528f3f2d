from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.enums import OrganisationKind


class NoticeKind(models.TextChoices):
    """The events that make someone act; each person turns each kind off for mail or app."""

    ORDER_DECIDED = "order_decided", _("Order approved or refused")
    ORDER_TO_PREPARE = "order_to_prepare", _("Order to prepare")
    ORDER_READY = "order_ready", _("Order ready to collect")
    HANDOVER_DIGEST = "handover_digest", _("Yesterday's hand-overs")
    TRAINING_TOMORROW = "training_tomorrow", _("Training session tomorrow")


# Who each kind is for: the settings page offers a person the kinds of their organisations.
KIND_AUDIENCE: dict[str, tuple[str, ...]] = {
    NoticeKind.ORDER_DECIDED: (OrganisationKind.MEDIATION,),
    NoticeKind.ORDER_TO_PREPARE: (OrganisationKind.WORKSHOP,),
    NoticeKind.ORDER_READY: (OrganisationKind.MEDIATION,),
    NoticeKind.HANDOVER_DIGEST: (OrganisationKind.COORDINATION,),
    NoticeKind.TRAINING_TOMORROW: (OrganisationKind.MEDIATION,),
}


def kinds_for(user) -> list[str]:
    """The kinds that may reach this person (all of them for someone of no organisation)."""
    theirs = {m.organisation.kind for m in user.memberships_cached()}
    kinds = [k for k in NoticeKind.values if theirs & set(KIND_AUDIENCE[k])]
    return kinds or list(NoticeKind.values)
