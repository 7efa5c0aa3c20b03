"""Rehearse an SLA policy: how many alerts would it have raised over the last N days?

The orders' history holds every stay in a state: each transition writes a history row with the
new ``state_entered_at``, and the next stay's start is this stay's end (now for a stay still
going on). A stay longer than the state's allowance is one breach, i.e. one alert (the sweep's
key is per stay). The rehearsal counts the stays that began in the window, once under the
rules in force and once with the proposed policy, over the channels the policy governs: its
own channel, or for a default every channel without an override of that step.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from orders.models import SLA_STEP_STATUS, Order, SlaPolicy
from orders.sla.config import DeadlineConfig, deadline_config


@dataclass(frozen=True)
class Rehearsal:
    days: int
    status: str
    stays: int
    current_alerts: int
    proposed_alerts: int


def _governed_channels(policy: SlaPolicy) -> tuple[set[int] | None, set[int]]:
    """(only these channels, or None for all) and (channels to leave out)."""
    if policy.channel_id is not None:
        return {policy.channel_id}, set()
    overridden = set(
        SlaPolicy.objects.filter(step=policy.step, channel__isnull=False)
        .values_list("channel_id", flat=True)
    )
    return None, overridden


def _breached(config: DeadlineConfig, status: str, channel_id: int, taken: dt.timedelta) -> bool:
    allowance = config.allowance(status, channel_id)
    return allowance is not None and taken > allowance.delta


def sla_policy_rehearse(
    *, policy: SlaPolicy, days: int = 7, now: dt.datetime | None = None
) -> Rehearsal:
    """Alerts the rules in force and ``policy`` (unsaved values) would have raised."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=days)
    status = SLA_STEP_STATUS[policy.step]
    current = deadline_config()
    proposed = current.with_step(
        step=policy.step, channel_id=policy.channel_id, minutes=policy.minutes or 0,
        team=policy.team, active=policy.is_active and bool(policy.minutes),
    )
    only, excluded = _governed_channels(policy)
    records = Order.history.filter(state_entered_at__gte=since, state_entered_at__lte=now)
    if only is not None:
        records = records.filter(channel_id__in=only)
    elif excluded:
        records = records.exclude(channel_id__in=excluded)
    # One row per stay (holds and edits repeat a stay's start), in order within each order.
    rows = (records.values_list("id", "state_entered_at", "status", "channel_id")
            .order_by("id", "state_entered_at").distinct())
    stays = current_alerts = proposed_alerts = 0
    previous = None
    for row in [*rows.iterator(chunk_size=5000), None]:
        if previous is not None and previous[2] == status:
            order_id, entered, _status, channel_id = previous
            ended = row[1] if row is not None and row[0] == order_id else now
            taken = ended - entered
            stays += 1
            current_alerts += _breached(current, status, channel_id, taken)
            proposed_alerts += _breached(proposed, status, channel_id, taken)
        previous = row
    return Rehearsal(days=days, status=status, stays=stays, current_alerts=current_alerts,
                     proposed_alerts=proposed_alerts)
