"""Expected delivery: from the carrier's measured transit times on the parcel's route.

A route is the parcel's origin (its warehouse's province) and destination province. The
transit time of a delivered parcel is from collection to signature; the expected transit of a
route is the 80th percentile of its carrier's last ``SAMPLE`` deliveries within ``WINDOW``
(one range of the partial index ``shipment_route_idx``). With fewer than ``MIN_SAMPLES`` the
hub falls back to ``ORDERHUB_EXPECTED_DELIVERY_DAYS`` (same province: one day less). An order's
expected delivery is its latest parcel's: signed parcels count with their signature time.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from django.conf import settings
from django.utils import timezone

from logistics.shipments.models import RETURNED_STATUSES, Direction, Shipment, ShipmentStatus
from orders.models import Order

SAMPLE = 200
MIN_SAMPLES = 5
WINDOW = dt.timedelta(days=90)
PERCENTILE = 0.8


def default_transit(origin: str, dest: str) -> dt.timedelta:
    days = settings.ORDERHUB_EXPECTED_DELIVERY_DAYS
    return dt.timedelta(days=max(1, days - 1) if origin and origin == dest else days)


def p80(durations: list[dt.timedelta]) -> dt.timedelta:
    """The 80th percentile (nearest rank) of ``durations``."""
    ordered = sorted(durations)
    return ordered[max(0, math.ceil(PERCENTILE * len(ordered)) - 1)]


def route_transit(*, carrier_id: int, origin: str, dest: str,
                  now: dt.datetime | None = None) -> tuple[dt.timedelta, int]:
    """``(expected transit, deliveries measured)`` of a carrier on a route."""
    now = now or timezone.now()
    rows = list(Shipment.objects.filter(
        carrier_id=carrier_id, origin_province=origin, dest_province=dest,
        delivered_at__isnull=False, delivered_at__gte=now - WINDOW, picked_up_at__isnull=False,
    ).order_by("-delivered_at").values_list("picked_up_at", "delivered_at")[:SAMPLE])
    durations = [delivered - picked for picked, delivered in rows if delivered >= picked]
    if len(durations) < MIN_SAMPLES:
        return default_transit(origin, dest), len(durations)
    return p80(durations), len(durations)


def shipment_expected(shipment: Shipment) -> dt.datetime | None:
    """When this parcel should arrive (its signature time once signed; None once returned)."""
    if shipment.status == ShipmentStatus.DELIVERED:
        return shipment.delivered_at
    if shipment.status in RETURNED_STATUSES:
        return None
    start = shipment.picked_up_at or shipment.created_at
    transit, _samples = route_transit(carrier_id=shipment.carrier_id,
                                      origin=shipment.origin_province,
                                      dest=shipment.dest_province)
    return start + transit


def shipments_expected(shipments: Sequence[Shipment]) -> dt.datetime | None:
    """An order's expected delivery from its parcels: the latest one's (None without any).
    A buyer's return parcel (after-sales, issue 11) is not on its way to the buyer."""
    times = [t for t in map(shipment_expected, (s for s in shipments
                                                if s.direction != Direction.RETURN))
             if t is not None]
    return max(times) if times else None


def order_expected_delivery(order: Order) -> dt.datetime | None:
    """The order's expected delivery (None before the first label)."""
    return shipments_expected(list(Shipment.objects.filter(orders=order)))
