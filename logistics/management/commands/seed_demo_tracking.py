"""``manage.py seed_demo_tracking [--seed S]``: the demo orders' parcels get real-looking traces.

Every demo order that left the warehouse with a tracking number gets its shipment (as the hub
makes it from the order), then its courier trace, dated after the order's hand-over: the
collection scan, the sorting hubs between the warehouse's city and the buyer's, out for
delivery and the signature, as far as the order got. A few parcels in transit went silent
three days ago (the stale-trace alert finds them), a few were held twice at a sorting centre,
and a few were refused at the door (their orders are held, customer service alerted, once the
worker handles the events). Traces go through ``trace_apply``, as a Kuaidi100 push would;
running the command again adds nothing to a parcel that has a courier trace already.
"""
from __future__ import annotations

import datetime as dt
import random

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from logistics.shipments.models import Shipment, ShipmentEvent, ShipmentStatus, Trust
from logistics.shipments.services import (
    SHIPMENT_STATUS_OF_ORDER,
    TraceLine,
    TraceUpdate,
    shipments_follow_orders,
    trace_apply,
)
from orders.models import Order

Kind = ShipmentEvent.Kind
HUBS = {"上海": "上海青浦转运中心", "广东": "广州白云转运中心", "北京": "北京顺义转运中心",
        "四川": "成都双流转运中心", "": "杭州萧山转运中心"}
STALE_SHARE, HELD_SHARE, REFUSED_SHARE = 0.08, 0.05, 0.05


def trace_for(shipment: Shipment, order: Order, rng: random.Random,
              now: dt.datetime) -> tuple[list[TraceLine], str]:
    """The trace of one parcel as far as its order got, and what happened to it."""
    start = order.state_entered_at or shipment.created_at
    dest = order.receiver_city or order.receiver_province or "目的地"
    origin_hub = HUBS.get(shipment.origin_province, HUBS[""])
    steps = [
        (0.5, Kind.COLLECTED, "1", f"【{origin_hub[:2]}】快递员已揽收"),
        (4, Kind.IN_TRANSIT, "0", f"快件已到达【{origin_hub}】"),
        (6, Kind.IN_TRANSIT, "0", f"快件已从【{origin_hub}】发出，下一站【{dest}转运中心】"),
        (22, Kind.IN_TRANSIT, "0", f"快件已到达【{dest}转运中心】"),
        (30, Kind.OUT_FOR_DELIVERY, "5", f"【{dest}】快递员正在派件，电话：13{rng.randrange(10**9):09d}"),
        (34, Kind.SIGNED, "3", "快件已签收，签收人：本人"),
    ]
    roll = rng.random()
    story = "delivered" if shipment.status == ShipmentStatus.DELIVERED else "in_transit"
    if story == "in_transit":
        if roll < STALE_SHARE:
            story, start = "stale", now - dt.timedelta(days=3, hours=rng.randrange(12))
            steps = steps[:3]
        elif roll < STALE_SHARE + HELD_SHARE:
            story = "held"
            steps = steps[:4] + [(26, Kind.SORTING_HOLD, "208", f"快件在【{dest}转运中心】滞留"),
                                 (29, Kind.SORTING_HOLD, "208", f"快件在【{dest}转运中心】滞留")]
        elif roll < STALE_SHARE + HELD_SHARE + REFUSED_SHARE:
            story = "refused"
            steps = steps[:5] + [(33, Kind.REFUSED, "14", "收件人拒收，快件将退回寄件人")]
        else:
            steps = steps[:rng.randint(2, 5)]
    lines = [TraceLine(at=start + dt.timedelta(hours=hours), description=text, kind=kind,
                       courier_code=code, location=dest if hours > 20 else origin_hub[:2])
             for hours, kind, code, text in steps]
    return [line for line in lines if line.at <= now], story


class Command(BaseCommand):
    help = "Give the demo orders' parcels real-looking courier traces."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, seed: int, **options) -> None:
        rng = random.Random(seed)
        now = timezone.now()
        shipped = list(Order.objects.filter(status__in=list(SHIPMENT_STATUS_OF_ORDER))
                       .exclude(tracking_no="").values_list("pk", flat=True))
        with transaction.atomic():
            shipments_follow_orders(order_ids=shipped)
        stories: dict[str, int] = {}
        todo = (Shipment.objects.filter(orders__pk__in=shipped).exclude(
            events__source__in=[ShipmentEvent.Source.KUAIDI100, ShipmentEvent.Source.SF])
            .select_related("carrier").prefetch_related("orders").distinct().order_by("pk"))
        for shipment in todo:
            order = shipment.orders.all()[0]
            lines, story = trace_for(shipment, order, rng, now)
            if not lines:
                continue
            with transaction.atomic():
                trace_apply(shipment=shipment, update=TraceUpdate(shipment.tracking_no, lines),
                            source=ShipmentEvent.Source.KUAIDI100, trust=Trust.AGGREGATOR)
            stories[story] = stories.get(story, 0) + 1
        self.stdout.write("Demo traces: " + ", ".join(
            f"{count} {story}" for story, count in sorted(stories.items())))
