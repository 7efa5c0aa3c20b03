"""``manage.py seed_demo_tracking [--seed S]``: the demo orders' parcels get real-looking traces.

Every demo order that left the warehouse with a tracking number gets its shipment (as the hub
makes it from the order), then its courier trace, between the order's hand-over (from its
history) and now: the collection scan, the sorting hubs between the warehouse's city and the
buyer's, out for delivery and the signature, as far as the parcel got. What happens to the
parcels is what a shop sees in a normal week:

- delivered orders: the whole trace, signed when the order was delivered;
- parcels on their way: moving (the newest scan within the last day or so), or, when the
  hand-over is more than two days old, signed already (the worker then delivers the order);
- about 2% of the shipped orders silent for two to four days past their carrier's limit (the
  stale-trace sweep alerts on them), about 1% refused at the door (their orders are held and
  customer service alerted once the worker handles the events), about 1% held twice at a
  sorting centre;
- labels printed more than a day ago have been collected (the worker hands the order over),
  except the demo's stuck orders never collected, which count among the silent 2%.

Traces go through ``trace_apply``, as a Kuaidi100 push would; running the command again adds
nothing to a parcel that has a courier trace already.
"""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Min
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
from orders.state_machine import Status

Kind = ShipmentEvent.Kind
HOUR = dt.timedelta(hours=1)
HUBS = {"上海": "上海青浦转运中心", "广东": "广州白云转运中心", "北京": "北京顺义转运中心",
        "四川": "成都双流转运中心", "": "杭州萧山转运中心"}
STALE_SHARE, REFUSED_SHARE, HELD_SHARE = 0.02, 0.01, 0.01
# A label older than this has been collected by now.
COLLECTED_WITHIN = dt.timedelta(hours=20)
# A parcel handed over longer ago than this has arrived (typical domestic transit: 1-3 days).
ARRIVED_AFTER = dt.timedelta(hours=44)
# A parcel goes silent only after its first scans: handed over at least this long ago.
STALE_AFTER = dt.timedelta(hours=60)


class Story:
    """One parcel's trace as it is written: lines appended in time order."""

    def __init__(self, shipment: Shipment, order: Order, rng: random.Random):
        self.rng = rng
        self.dest = order.receiver_city or order.receiver_province or "目的地"
        self.origin = HUBS.get(shipment.origin_province, HUBS[""])
        self.lines: list[TraceLine] = []

    def add(self, at: dt.datetime, kind: str, code: str, text: str, place: str) -> None:
        self.lines.append(TraceLine(at=at, description=text, kind=kind, courier_code=code,
                                    location=place))

    def collected(self, at: dt.datetime) -> None:
        self.add(at, Kind.COLLECTED, "103", f"【{self.origin[:2]}】快递员已揽收", self.origin[:2])

    def hubs(self, start: dt.datetime, end: dt.datetime) -> None:
        """The sorting hubs between the two cities, spread from ``start`` to ``end``."""
        texts = [(f"快件已到达【{self.origin}】", self.origin[:2]),
                 (f"快件已从【{self.origin}】发出，下一站【{self.dest}转运中心】", self.origin[:2]),
                 (f"快件已到达【{self.dest}转运中心】", self.dest)]
        for index, (text, place) in enumerate(texts):
            self.add(start + (end - start) * (index + 1) / len(texts), Kind.IN_TRANSIT, "1002",
                     text, place)

    def out_for_delivery(self, at: dt.datetime) -> None:
        courier = f"13{self.rng.randrange(10**9):09d}"
        self.add(at, Kind.OUT_FOR_DELIVERY, "5",
                 f"【{self.dest}】快递员正在派件，电话：{courier}", self.dest)

    def delivered(self, handed: dt.datetime, signed: dt.datetime) -> None:
        span = max(signed - handed, 6 * HOUR)
        handed = signed - span
        self.collected(handed + span * 0.02)
        self.hubs(handed + span * 0.05, handed + span * 0.75)
        self.out_for_delivery(signed - span * 0.1)
        self.add(signed, Kind.SIGNED, "301", "快件已签收，签收人：本人", self.dest)

    def moving(self, handed: dt.datetime, now: dt.datetime) -> None:
        """On its way: the lines of the transit so far (the newest a few hours old)."""
        self.collected(handed + 0.5 * HOUR)
        steps = [(4, f"快件已到达【{self.origin}】", self.origin[:2]),
                 (7, f"快件已从【{self.origin}】发出，下一站【{self.dest}转运中心】", self.origin[:2]),
                 (24, f"快件已到达【{self.dest}转运中心】", self.dest)]
        for hours, text, place in steps:
            if handed + hours * HOUR < now - 0.3 * HOUR:
                self.add(handed + hours * HOUR, Kind.IN_TRANSIT, "1002", text, place)
        if handed + 32 * HOUR < now - 0.3 * HOUR:
            self.out_for_delivery(handed + 32 * HOUR)

    def stale(self, handed: dt.datetime, last: dt.datetime) -> None:
        """Collected, through the first hubs, then nothing since ``last``."""
        self.collected(handed + 0.5 * HOUR)
        self.hubs(handed + HOUR, last)
        self.lines.pop()  # never reached the destination's hub

    def refused(self, handed: dt.datetime, at: dt.datetime) -> None:
        self.collected(handed + 0.5 * HOUR)
        self.hubs(handed + HOUR, at - 6 * HOUR)
        self.out_for_delivery(at - 3 * HOUR)
        self.add(at, Kind.REFUSED, "203", "收件人拒收，快件将退回寄件人", self.dest)

    def held(self, handed: dt.datetime, now: dt.datetime) -> None:
        self.collected(handed + 0.5 * HOUR)
        self.hubs(handed + HOUR, now - 26 * HOUR)
        for hours in (20, 5):
            self.add(now - hours * HOUR, Kind.SORTING_HOLD, "208",
                     f"快件在【{self.dest}转运中心】滞留，原因：分拣异常", self.dest)


def first_times(order_ids: Sequence[int], status: str) -> dict[int, dt.datetime]:
    """When each order first entered ``status`` (its history)."""
    return dict(Order.history.filter(id__in=order_ids, status=status).values("id")
                .annotate(at=Min("history_date")).values_list("id", "at"))


def handed_at(shipment: Shipment, handed: dict[int, dt.datetime]) -> dt.datetime:
    """When the parcel's order was handed over: its history, or the time it entered its state
    when it is still in transit (an order made in that state), or the parcel's own times."""
    order = shipment.orders.all()[0]
    times = [handed.get(order.pk),
             order.state_entered_at if order.status == Status.IN_TRANSIT else None]
    known = [t for t in times if t is not None]
    return min(known) if known else (shipment.picked_up_at or shipment.last_event_at)


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
        handed = first_times(shipped, Status.IN_TRANSIT)
        signed = first_times(shipped, Status.DELIVERED)
        todo = list(Shipment.objects.filter(orders__pk__in=shipped).exclude(
            events__source__in=[ShipmentEvent.Source.KUAIDI100, ShipmentEvent.Source.SF])
            .select_related("carrier").prefetch_related("orders").distinct().order_by("pk"))
        plans = self.plan(todo, handed, rng, now)
        stories: dict[str, int] = {}
        for shipment in todo:
            order = shipment.orders.all()[0]
            story = Story(shipment, order, rng)
            name = self.write(story, shipment, order, plans.get(shipment.pk, ""),
                              handed.get(order.pk), signed.get(order.pk), now)
            lines = [line for line in story.lines if line.at <= now]
            if not lines:
                stories[name] = stories.get(name, 0) + 1
                continue
            with transaction.atomic():
                trace_apply(shipment=shipment, update=TraceUpdate(shipment.tracking_no, lines),
                            source=ShipmentEvent.Source.KUAIDI100, trust=Trust.AGGREGATOR)
            stories[name] = stories.get(name, 0) + 1
        self.stdout.write(f"Demo traces for {len(todo)} parcels: " + ", ".join(
            f"{count} {name}" for name, count in sorted(stories.items())))

    @staticmethod
    def plan(todo: list[Shipment], handed: dict[int, dt.datetime], rng: random.Random,
             now: dt.datetime) -> dict[int, str]:
        """Which parcels go silent, are refused or are held: shares of all the shipped parcels.
        Labels the courier never collected (the demo's stuck orders) are silent ones already;
        the rest are drawn among the parcels on their way long enough for the story."""
        def since(shipment: Shipment) -> dt.timedelta:
            return now - handed_at(shipment, handed)

        plans: dict[int, str] = {}
        wanted = {name: max(1, round(share * len(todo))) if todo else 0
                  for name, share in (("stale", STALE_SHARE), ("refused", REFUSED_SHARE),
                                      ("held", HELD_SHARE))}
        waiting = sorted((s for s in todo if s.status == ShipmentStatus.AWAITING_PICKUP
                          and now - s.last_event_at > (s.carrier.stale_hours or 48) * HOUR),
                         key=lambda s: s.last_event_at)
        for shipment in waiting[:wanted["stale"]]:
            plans[shipment.pk] = "not collected"
            wanted["stale"] -= 1
        on_way = [s for s in todo if s.status == ShipmentStatus.IN_TRANSIT]
        rng.shuffle(on_way)
        # The longest on their way first: they are the ones whose silence is believable.
        on_way.sort(key=since, reverse=True)
        for name, at_least in (("stale", STALE_AFTER), ("refused", dt.timedelta(hours=40)),
                               ("held", dt.timedelta(hours=36))):
            for shipment in on_way:
                if wanted[name] == 0:
                    break
                if shipment.pk not in plans and since(shipment) >= at_least:
                    plans[shipment.pk] = name
                    wanted[name] -= 1
        return plans

    @staticmethod
    def write(story: Story, shipment: Shipment, order: Order, plan: str,
              handed: dt.datetime | None, signed: dt.datetime | None, now: dt.datetime) -> str:
        rng = story.rng
        start = handed_at(shipment, {order.pk: handed} if handed else {})
        if shipment.status == ShipmentStatus.DELIVERED:
            end = min(signed or shipment.delivered_at or start + 40 * HOUR, now - 0.2 * HOUR)
            story.delivered(start, end)
            return "delivered"
        if shipment.status == ShipmentStatus.AWAITING_PICKUP:
            labelled = shipment.last_event_at
            if plan == "not collected":
                return "not collected (silent)"
            if now - labelled < COLLECTED_WITHIN:
                return "awaiting pickup"
            collected = labelled + rng.uniform(1, 8) * HOUR
            story.moving(collected, min(now, collected + rng.uniform(3, 12) * HOUR))
            return "collected (order handed over by the worker)"
        limit = shipment.carrier.stale_hours or 48
        if plan == "stale":
            silent = rng.uniform(limit + 4, max(limit + 5, min(limit + 40, (now - start) / HOUR - 6)))
            story.stale(start, now - silent * HOUR)
            return "stale"
        if plan == "refused":
            story.refused(start, now - rng.uniform(2, 30) * HOUR)
            return "refused"
        if plan == "held":
            story.held(start, now)
            return "held at a sorting centre"
        if now - start > ARRIVED_AFTER:
            story.delivered(start, min(now - rng.uniform(0.5, 20) * HOUR,
                                       start + rng.uniform(28, 60) * HOUR))
            return "signed (order delivered by the worker)"
        story.moving(start, now)
        return "moving"
