"""Due times and traffic lights: computed from the cached rules, without a query.

``orders.services.order_row`` takes a new order's deadlines from :func:`deadline_columns`, and
every transition calls :func:`order_deadlines_on_move`. The sweep and the move hook share the breach keys defined here, so
that one breach is one alert whoever notices it first.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orderhub.alerts.services import alert_raise, alert_resolve
from orders import texts
from orders.models import SHIP_BY_WATCHED_STATUSES, Order
from orders.sla.config import SHIP_BY_KIND, SLA_KIND, DeadlineConfig, deadline_config
from orders.sla.exemptions import exempt_order_ids
from orders.state_machine import Status

__all__ = ["SHIP_BY_KIND", "SLA_KIND"]  # re-exported: the sweep and the apps import them here
# Traffic lights (DESIGN.md section 2): yellow concerns orders not yet picked, red those with
# no label yet.
NOT_PICKED = frozenset({Status.PENDING_PAYMENT, Status.PAID, Status.RISK_REVIEW, Status.PICKING})
NO_LABEL = NOT_PICKED | {Status.PACKING}


class TrafficLight(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def sla_breach_key(*, order_id: int, status: str, entered_at: dt.datetime) -> str:
    """One key per stay in a state: the same breach is always the same alert."""
    return f"{SLA_KIND}:{order_id}:{status}:{_epoch(entered_at)}"


def ship_by_breach_key(*, order_id: int, ship_by: dt.datetime) -> str:
    return f"{SHIP_BY_KIND}:{order_id}:{_epoch(ship_by)}"


# --- due times ----------------------------------------------------------------------------------
def state_due_at(
    *, status: str, channel_id: int | None, entered_at: dt.datetime | None,
    config: DeadlineConfig | None = None,
) -> dt.datetime | None:
    """When an order that entered ``status`` at ``entered_at`` breaches its SLA (or ``None``)."""
    if entered_at is None:
        return None
    allowance = (config or deadline_config()).allowance(status, channel_id)
    return entered_at + allowance.delta if allowance else None


def promised_ship_by(
    *, channel_id: int | None, priority: int, paid_at: dt.datetime | None,
    config: DeadlineConfig | None = None,
) -> dt.datetime | None:
    """The ship-by time promised at payment (``None`` before payment or without a promise)."""
    if paid_at is None:
        return None
    promise = (config or deadline_config()).promise(channel_id)
    if promise is None:
        return None
    urgent = priority >= Order.Priority.URGENT
    return paid_at + dt.timedelta(hours=promise.urgent_hours if urgent else promise.hours)


def deadline_columns(
    *, channel_id: int, status: str, priority: int, state_entered_at: dt.datetime | None,
    paid_at: dt.datetime | None, ship_by: dt.datetime | None,
) -> dict[str, dt.datetime | None]:
    """``state_due_at`` and ``ship_by`` for a new order's row (a ship-by the channel sent is
    kept: it is the platform's own promise)."""
    config = deadline_config()
    return {
        "state_due_at": state_due_at(
            status=status, channel_id=channel_id, entered_at=state_entered_at, config=config
        ),
        "ship_by": ship_by or promised_ship_by(
            channel_id=channel_id, priority=priority, paid_at=paid_at, config=config
        ),
    }


@dataclass(frozen=True)
class StateLeft:
    """The stay an order is leaving, captured before its transition."""

    status: str
    entered_at: dt.datetime | None
    due_at: dt.datetime | None

    @classmethod
    def of(cls, order: Order) -> StateLeft:
        return cls(order.status, order.state_entered_at, order.state_due_at)


def order_deadlines_on_move(*, order: Order, left: StateLeft) -> list[str]:
    """After a transition: the new state's due time, the promise once paid, and not stuck any
    more. A stay that ended after its due time before any sweep saw it is recorded as an alert
    (raised and resolved at once), so that no breach goes missing. Returns the fields set.

    ``orders.bulk_moves`` applies the same rules to many orders at once, from the pieces below:
    ``state_due_at`` per channel, ``ship_by_after_move`` and ``breaches_ended`` per row, and
    ``order_breaches_record`` for the few orders whose move ended a breach."""
    now = order.state_entered_at or timezone.now()
    config = deadline_config()
    order.is_stuck = False
    fields = ["state_due_at", "is_stuck"]
    if exempt_order_ids(channel_of={order.pk: order.channel_id}, config=config):
        # The channel fulfils it (``exemptions``): no due time, no promise, no breach.
        order.state_due_at = None
        if order.ship_by is not None:
            order.ship_by = None
            fields.append("ship_by")
        return fields
    order.state_due_at = state_due_at(
        status=order.status, channel_id=order.channel_id, entered_at=now, config=config
    )
    ship_by = ship_by_after_move(
        ship_by=order.ship_by, channel_id=order.channel_id, priority=order.priority,
        paid_at=order.paid_at, config=config,
    )
    if ship_by != order.ship_by:
        order.ship_by = ship_by
        fields.append("ship_by")
    order_breaches_record(order=order, left=left, now=now)
    return fields


def ship_by_after_move(
    *, ship_by: dt.datetime | None, channel_id: int, priority: int, paid_at: dt.datetime | None,
    config: DeadlineConfig | None = None,
) -> dt.datetime | None:
    """The ship-by an order has once it moves: its own, else (once paid) the channel's promise."""
    if ship_by is None and paid_at is not None:
        return promised_ship_by(
            channel_id=channel_id, priority=priority, paid_at=paid_at, config=config
        )
    return ship_by


def _stayed_late(left: StateLeft, now: dt.datetime) -> bool:
    return left.due_at is not None and left.entered_at is not None and left.due_at < now


def _shipped_late(
    *, left: StateLeft, status: str, ship_by: dt.datetime | None, now: dt.datetime
) -> bool:
    return (
        ship_by is not None and ship_by < now
        and left.status in SHIP_BY_WATCHED_STATUSES and status not in SHIP_BY_WATCHED_STATUSES
    )


def breaches_ended(
    *, left: StateLeft, status: str, ship_by: dt.datetime | None, now: dt.datetime
) -> bool:
    """Whether a move into ``status`` at ``now`` ends a breach a sweep may not have seen: a stay
    past its due time, or the parcel leaving after its ship-by (no query)."""
    return _stayed_late(left, now) or _shipped_late(
        left=left, status=status, ship_by=ship_by, now=now
    )


def order_breaches_record(*, order: Order, left: StateLeft, now: dt.datetime) -> None:
    """Record the breaches that the move of ``order`` (already in its new state, with its new
    ship-by) ended at ``now``, under the keys a sweep would have used."""
    if _stayed_late(left, now):
        _record_late_stay(order=order, left=left, now=now)
    if _shipped_late(left=left, status=order.status, ship_by=order.ship_by, now=now):
        _record_late_shipment(order=order, now=now)


def _record_late_shipment(*, order: Order, now: dt.datetime) -> None:
    """The parcel left after its ship-by time and no sweep saw it: record that breach too
    (raised and resolved at once, nobody notified), under the key a sweep would have used."""
    alert, created = alert_raise(
        key=ship_by_breach_key(order_id=order.pk, ship_by=order.ship_by),
        kind=SHIP_BY_KIND,
        title=texts.SHIPPED_LATE_TITLE.encode(hub_no=order.hub_no),
        message=texts.SHIPPED_LATE_MESSAGE.encode(hub_no=order.hub_no, ship_by=order.ship_by,
                                                  left=now),
        order=order, team="warehouse", now=now, notify=False,
        data={"ship_by": order.ship_by.isoformat(), "hub_no": order.hub_no},
    )
    if created:
        alert_resolve(alert=alert, actor=None, resolution=texts.SHIPPED_LATE_RESOLUTION.encode(), now=now)


def _record_late_stay(*, order: Order, left: StateLeft, now: dt.datetime) -> None:
    taken = now - left.entered_at
    alert, created = alert_raise(
        key=sla_breach_key(order_id=order.pk, status=left.status, entered_at=left.entered_at),
        kind=SLA_KIND,
        title=texts.STEP_LATE_TITLE.encode(hub_no=order.hub_no, status=Status(left.status),
                                           taken=_duration(taken)),
        message=texts.STEP_LATE_MESSAGE.encode(
            hub_no=order.hub_no, status=Status(left.status), entered=left.entered_at, left=now,
            due=left.due_at),
        order=order, team=_team(order, left.status), now=now, notify=False,
        data={"status": left.status, "entered_at": left.entered_at.isoformat(),
              "due_at": left.due_at.isoformat(), "hub_no": order.hub_no},
    )
    if created:
        alert_resolve(alert=alert, actor=None, resolution=texts.MOVED_ON_LATE.encode(),
                      now=now)


def _team(order: Order, status: str) -> str:
    allowance = deadline_config().allowance(status, order.channel_id)
    return allowance.team if allowance else ""


def _duration(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes >= 60:
        return texts.DURATION_HOURS.encode(hours=minutes // 60, minutes=minutes % 60)
    return texts.DURATION_MINUTES.encode(minutes=minutes)


# --- traffic lights -----------------------------------------------------------------------------
def traffic_light(
    *, status: str, ship_by: dt.datetime | None, now: dt.datetime | None = None
) -> str:
    """Green, yellow (< 6 h to ship-by, not yet picked) or red (< 2 h, no label yet).

    Reads the thresholds only for an order that can be yellow or red, so that listing orders
    without a promise costs nothing.
    """
    if ship_by is None or status not in NO_LABEL:
        return TrafficLight.GREEN
    config = deadline_config()
    left = ship_by - (now or timezone.now())
    if left < config.red:
        return TrafficLight.RED
    if status in NOT_PICKED and left < config.yellow:
        return TrafficLight.YELLOW
    return TrafficLight.GREEN


def order_traffic_light(order: Order, now: dt.datetime | None = None) -> str:
    return traffic_light(status=order.status, ship_by=order.ship_by, now=now)
