"""Each organization's SLA targets, read through a short per-process cache.

Every ticket creation and priority change needs them, and they change a few times a year:
an edit applies at once in the process that made it and within `SLA_TARGETS_CACHE_SECONDS`
everywhere else (docs/adr/0014-creation-cost.md).
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from time import monotonic

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from helpdesk.models import BusinessCalendar, SlaPolicy
from helpdesk.sla import Calendar, CalendarError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlaTargets:
    first_response: timedelta
    resolution: timedelta
    calendar: Calendar | None  # None: the clock runs 24x7


_loaded: dict[int, tuple[float, dict[str, SlaTargets]]] = {}


def targets_for(organization_id: int, priority: str) -> SlaTargets | None:
    """The targets for a priority, or None when the organization set none."""
    now = monotonic()
    entry = _loaded.get(organization_id)
    if entry is None or entry[0] <= now:
        entry = (now + settings.SLA_TARGETS_CACHE_SECONDS, _load(organization_id))
        _loaded[organization_id] = entry
    return entry[1].get(priority)


def forget(organization_id: int) -> None:
    _loaded.pop(organization_id, None)


def calendar_from(model: BusinessCalendar | None) -> Calendar | None:
    if model is None:
        return None
    return model.as_calendar()


def _load(organization_id: int) -> dict[str, SlaTargets]:
    policies = SlaPolicy.objects.select_related("calendar").filter(organization_id=organization_id)
    return {
        policy.priority: SlaTargets(
            first_response=timedelta(minutes=policy.first_response_minutes),
            resolution=timedelta(minutes=policy.resolution_minutes),
            calendar=_calendar_of(policy),
        )
        for policy in policies
    }


def _calendar_of(policy: SlaPolicy) -> Calendar | None:
    # A calendar saved before calendars were validated may not parse: tickets must still open.
    try:
        return calendar_from(policy.calendar)
    except CalendarError as exc:
        logger.error(
            "Business calendar %s (%r) of SLA policy %s cannot be read, so its clocks run 24x7 "
            "until it is fixed: %s",
            policy.calendar.pk,
            policy.calendar.name,
            policy.pk,
            exc,
        )
        return None


@receiver([post_save, post_delete], sender=SlaPolicy)
@receiver([post_save, post_delete], sender=BusinessCalendar)
def _forget_changed(sender, instance, **kwargs) -> None:
    # Again after commit: a read between the change and its commit may have cached the old.
    forget(instance.organization_id)
    transaction.on_commit(lambda: forget(instance.organization_id))
