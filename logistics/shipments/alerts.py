"""Trace alerts (DESIGN.md section 2, logistics › trace alerts), through the one alert mechanism.

- A parcel held at a sorting centre twice, and a failed delivery attempt, alert as the push
  that says so is applied (:func:`trace_alerts_on_push`): no sweep needed for what a push tells.
- A parcel with no movement for its carrier's ``stale_hours`` (48 by default) is found by
  :func:`stale_trace_sweep`. It reads, per carrier, one range of the partial index
  ``shipment_open_idx`` (parcels still on their way, by last movement): its cost grows with
  the open parcels that went silent, not with all shipments or orders. Each silence alerts
  once (``stale_alerted_at`` remembers the movement it was raised for); a new movement and a
  new silence alert again.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from logistics import texts
from logistics.shipments.models import (
    OPEN_SHIPMENT_STATUSES,
    Carrier,
    Shipment,
    ShipmentOrder,
)
from orderhub.alerts.services import AlertSpec, alert_raise, alerts_raise_many
from orderhub.alerts.models import Alert
from orders.models import Order

SWEEP_BATCH = 500
SORTING_HOLDS_ALERT = 2
TEAM = "customer_service"


def _first_order_ids(shipment_ids: list[int]) -> dict[int, int]:
    firsts: dict[int, int] = {}
    for shipment_id, order_id in ShipmentOrder.objects.filter(
            shipment_id__in=shipment_ids).order_by("order_id").values_list("shipment_id",
                                                                          "order_id"):
        firsts.setdefault(shipment_id, order_id)
    return firsts


def trace_alerts_on_push(*, shipment: Shipment, holds_before: int, failures_before: int,
                         line_text: str) -> None:
    """Alert when this push took the parcel to its second sorting-centre hold, or recorded a
    failed delivery attempt (each attempt alerts once)."""
    order_id = _first_order_ids([shipment.pk]).get(shipment.pk)
    name = {"carrier": shipment.carrier.name, "tracking_no": shipment.tracking_no}
    if holds_before < SORTING_HOLDS_ALERT <= shipment.sorting_holds:
        alert_raise(key=f"shipment-sorting-hold:{shipment.pk}", kind="shipment_sorting_hold",
                    team=TEAM, order=_order(order_id),
                    title=texts.SORTING_HOLD_TITLE.encode(**name, times=shipment.sorting_holds),
                    message=line_text, data={"shipment_id": shipment.pk})
    for attempt in range(failures_before + 1, shipment.failed_attempts + 1):
        alert_raise(key=f"shipment-failed-attempt:{shipment.pk}:{attempt}",
                    kind="shipment_failed_attempt", team=TEAM, order=_order(order_id),
                    title=texts.FAILED_ATTEMPT_TITLE.encode(**name, attempt=attempt),
                    message=line_text, data={"shipment_id": shipment.pk})


def _order(order_id: int | None) -> Order | None:
    return Order.objects.filter(pk=order_id).first() if order_id is not None else None


def sweep_batch() -> int:
    """How many stale-trace alerts one run raises at most (``ORDERHUB_TRACE_SWEEP_BATCH``): a
    run of 500 takes about half a second on a loaded 2-core machine (bench/shipments.py), so a
    burst of silent parcels never holds the worker for long; the runs follow back to back."""
    return settings.ORDERHUB_TRACE_SWEEP_BATCH or SWEEP_BATCH


def stale_trace_sweep_until_done(*, now: dt.datetime | None = None) -> int:
    """Sweep batch after batch until no silent parcel waits (the scheduled task)."""
    now = now or timezone.now()
    total = 0
    while True:
        raised = stale_trace_sweep(now=now)
        total += raised
        if raised < sweep_batch():
            return total


@transaction.atomic
def stale_trace_sweep(*, now: dt.datetime | None = None, limit: int | None = None) -> int:
    """Alert on the open parcels silent for longer than their carrier allows (carrier by
    carrier, the longest silent first); returns how many alerts were raised (at most ``limit``, by default
    :func:`sweep_batch`: the next run takes the rest)."""
    now = now or timezone.now()
    limit = limit or sweep_batch()
    specs: list[AlertSpec] = []
    alerted: list[int] = []
    for carrier in Carrier.objects.filter(stale_hours__gt=0).order_by("pk"):
        cutoff = now - dt.timedelta(hours=carrier.stale_hours)
        rows = list(
            Shipment.objects.filter(carrier=carrier, status__in=OPEN_SHIPMENT_STATUSES,
                                    last_event_at__lt=cutoff)
            .filter(Q(stale_alerted_at__isnull=True) | Q(stale_alerted_at__lt=F("last_event_at")))
            .order_by("last_event_at", "id")
            .values_list("pk", "tracking_no", "last_event_at")[:limit - len(specs)])
        firsts = _first_order_ids([pk for pk, _number, _at in rows])
        for pk, number, last in rows:
            hours = int((now - last).total_seconds() // 3600)
            specs.append(AlertSpec(
                key=f"shipment-stale:{pk}:{int(last.timestamp())}", kind="shipment_stale",
                team=TEAM, order_id=firsts.get(pk),
                title=texts.STALE_TITLE.encode(carrier=carrier.name, tracking_no=number,
                                               hours=hours),
                message=texts.STALE_MESSAGE.encode(last=last, limit=carrier.stale_hours),
                data={"shipment_id": pk, "carrier": carrier.code}))
            alerted.append(pk)
        if len(specs) >= limit:
            break
    if not specs:
        return 0
    existing = set(Alert.objects.filter(key__in=[spec.key for spec in specs])
                   .values_list("key", flat=True))
    alerts_raise_many(specs=[spec for spec in specs if spec.key not in existing], now=now)
    Shipment.objects.filter(pk__in=alerted).update(stale_alerted_at=F("last_event_at"))
    return len(specs) - len(existing)
