"""The management figures on a scenario of 33 orders, computed by hand from the definitions in
``orders/metrics/definitions.py`` (not from the code's output).

Every order is moved by the real services under a clock set to the scenario's times; the
figures are maintained by the event handler (called on the events in several batches, as the
dispatcher would) and then rebuilt from history: both must give the hand-computed numbers.

Days are Asia/Shanghai. Default SLAs: paid 15 min, picking 120, packing 60 + label 3 = 63,
awaiting pickup 30; risk review untimed; ship-by = paid_at + 48 h.

Groups (P = 2026-11-02 10:00, the hub's clock when it records the payment):
  G1  10 × channel A, W1: paid P by the hub; picked +10 min, packing +60, label +90, handed
      over +100 (11:40); delivered by the hub 2 days later. 4 timed steps on time.
  G2   4 × A, W1: picked +20 min (paid late), packing +50 h (picking late), label +50 h 30,
      handed over +50 h 40 (11-04 12:40, after ship-by 11-04 10:00): late, cause
      state:picking. 2 of 4 steps on time.
  G3   3 × B, W2: out-of-stock hold by the hub +5 min, lifted by the hub +3 h (self-healed);
      picked +3 h 05 (paid late), packing +3 h 35, label +4 h, handed over +4 h 20 (on time);
      delivered 3 days later. 3 of 4 steps on time.
  G4   2 × B, W2: held by customer service +1 h, lifted by customer service +49 h (2
      interventions each); picked +49 h 10, packing +49 h 40, label +50 h, handed over
      +50 h 10 (late), cause hold:person. 3 of 4 steps on time.
  G5   3 × A, W1: the buyer paid at 09:00, finance confirmed it by hand at 10:00 (breakpoint:
      60 min; intervention); customer service cancelled at 12:00 (intervention): not due.
  G6   2 × A, W1: the buyer paid at 09:50, the hub recorded it at 10:00 (10 min: no
      breakpoint); never moved: due 11-04 09:50, not shipped.
  G8   2 × A, W1: the hub sends it to risk review +2 min, operations approve +40 min
      (intervention), picked +45, packing +1 h 45, label +2 h 15, handed over +2 h 25;
      operations confirm delivery by hand a day later (intervention). 5 steps on time.
  G9   4 × A: never paid (count nowhere).
  G10  2 × B, W1: like G1 but paid 11-03 10:00, not delivered.
  G11  1 × A, W1: paid P, held by the channel (still open): due, unshipped.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from unittest import mock

import pytest
from django.utils import timezone

from orderhub.events.models import Event
from orders import services
from orders.holds import hold_place, order_release_hold, order_release_own_hold
from orders.metrics.handlers import figures_follow_orders
from orders.metrics.selectors import health, stuck_by_reason
from orders.metrics.services import metric_counts_snapshot, metrics_rebuild, order_flows_route
from orders.metrics.models import OrderFlow
from orders.models import Hold
from orders.state_machine import Status
from tests.factories import ChannelFactory, OrderFactory

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
P = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SH)
MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
W1, W2 = 101, 102


class Clock:
    at = P


@contextmanager
def at(clock: Clock, moment: dt.datetime):
    clock.at = moment
    with mock.patch("django.utils.timezone.now", lambda: clock.at):
        yield


@pytest.fixture
def scenario(make_user, fresh_rules):
    clock = Clock()
    cs, finance, ops, wh = (make_user(r) for r in
                            ("customer_service", "finance", "operations", "warehouse"))
    a, b = ChannelFactory(), ChannelFactory()
    handled = {"last": 0}

    def handle_events():
        """What the dispatcher does: the handler on the events recorded since last time."""
        events = list(Event.objects.filter(pk__gt=handled["last"]).order_by("pk"))
        if events:
            figures_follow_orders(events)
            handled["last"] = events[-1].pk

    def order(channel, warehouse=None):
        with at(clock, P - 2 * HOUR):
            new = OrderFactory(channel=channel)
        if warehouse:
            order_flows_route(warehouses={new.pk: warehouse}, names={W1: "杭州仓", W2: "广州仓"})
        return new

    def move(o, name, when, actor=None, **kwargs):
        with at(clock, when):
            services.order_transition(order=o, name=name, actor=actor, **kwargs) \
                if name != "pay" else services.order_pay(order=o, actor=actor, **kwargs)

    def walk(o, start, picks, pack, label, hand, actor=None):
        move(o, "start_picking", start + picks, wh)
        move(o, "start_packing", start + pack, wh)
        move(o, "print_label", start + label, wh)
        move(o, "hand_over", start + hand, wh)

    groups = {}
    # G1
    groups["G1"] = [order(a, W1) for _ in range(10)]
    for o in groups["G1"]:
        move(o, "pay", P, paid_at=P)
        walk(o, P, 10 * MIN, 60 * MIN, 90 * MIN, 100 * MIN)
    handle_events()
    for o in groups["G1"]:
        move(o, "deliver", P + 100 * MIN + 2 * DAY)
    # G2
    groups["G2"] = [order(a, W1) for _ in range(4)]
    for o in groups["G2"]:
        move(o, "pay", P, paid_at=P)
        walk(o, P, 20 * MIN, 50 * HOUR, 50 * HOUR + 30 * MIN, 50 * HOUR + 40 * MIN)
    # G3
    groups["G3"] = [order(b, W2) for _ in range(3)]
    for o in groups["G3"]:
        move(o, "pay", P, paid_at=P)
        with at(clock, P + 5 * MIN):
            hold = hold_place(order=o, actor=None, reason="缺货", source=Hold.Source.OUT_OF_STOCK,
                              key="out_of_stock")
            Hold.objects.filter(pk=hold.pk).update(placed_at=clock.at)
        handle_events()
        with at(clock, P + 3 * HOUR):
            order_release_own_hold(order=o, key="out_of_stock", reason="到货")
        walk(o, P, 3 * HOUR + 5 * MIN, 3 * HOUR + 35 * MIN, 4 * HOUR, 4 * HOUR + 20 * MIN)
        move(o, "deliver", P + 4 * HOUR + 20 * MIN + 3 * DAY)
    # G4
    groups["G4"] = [order(b, W2) for _ in range(2)]
    for o in groups["G4"]:
        move(o, "pay", P, paid_at=P)
        with at(clock, P + HOUR):
            hold = hold_place(order=o, actor=cs, reason="买家要求暂缓")
            Hold.objects.filter(pk=hold.pk).update(placed_at=clock.at)
        with at(clock, P + 49 * HOUR):
            order_release_hold(order=o, actor=cs, reason="买家确认")
        walk(o, P, 49 * HOUR + 10 * MIN, 49 * HOUR + 40 * MIN, 50 * HOUR, 50 * HOUR + 10 * MIN)
    handle_events()
    # G5
    groups["G5"] = [order(a, W1) for _ in range(3)]
    for o in groups["G5"]:
        move(o, "pay", P, finance, paid_at=P - HOUR)
        move(o, "cancel", P + 2 * HOUR, cs)
    # G6
    groups["G6"] = [order(a, W1) for _ in range(2)]
    for o in groups["G6"]:
        move(o, "pay", P, paid_at=P - 10 * MIN)
    # G8
    groups["G8"] = [order(a, W1) for _ in range(2)]
    for o in groups["G8"]:
        move(o, "pay", P, paid_at=P)
        move(o, "send_to_review", P + 2 * MIN)
        move(o, "approve", P + 40 * MIN, ops)
        walk(o, P, 45 * MIN, 105 * MIN, 135 * MIN, 145 * MIN)
        move(o, "deliver", P + 145 * MIN + DAY, ops)
    # G9
    groups["G9"] = [order(a) for _ in range(4)]
    # G10
    groups["G10"] = [order(b, W1) for _ in range(2)]
    for o in groups["G10"]:
        move(o, "pay", P + DAY, paid_at=P + DAY)
        walk(o, P + DAY, 10 * MIN, 60 * MIN, 90 * MIN, 100 * MIN)
    # G11
    groups["G11"] = [order(a, W1)]
    move(groups["G11"][0], "pay", P, paid_at=P)
    with at(clock, P + 30 * MIN):
        hold = hold_place(order=groups["G11"][0], actor=None, reason="平台拦截",
                          source=Hold.Source.CHANNEL, key="channel:stop")
        Hold.objects.filter(pk=hold.pk).update(placed_at=clock.at)
    handle_events()
    return {"a": a, "b": b, "groups": groups, "handle": handle_events}


PERIOD = {"since": dt.date(2026, 11, 1), "until": dt.date(2026, 11, 7)}


def values(figs):
    return {code: (f["numerator"], f["denominator"]) for code, f in figs.items()}


def test_the_scenario_figures_are_the_hand_computed_ones(scenario):
    figs = health(**PERIOD)["figures"]
    got = values(figs)
    # paid: G1 10 + G2 4 + G3 3 + G4 2 + G5 3 + G6 2 + G8 2 + G10 2 + G11 1 = 29
    # due (ship-by in the period, G5 cancelled before its ship-by): 29 - 3 = 26
    # on time: G1 10 + G3 3 + G8 2 + G10 2 = 17
    assert got["on_time_ship_rate"] == (17, 26)
    # handed over: all but G5, G6, G11 = 23 of 29 paid
    assert got["channel_fulfilment_rate"] == (23, 29)
    # payment → hand-over minutes: G1 10×100, G2 4×3040, G3 3×260, G4 2×3010, G8 2×145,
    # G10 2×100 = 20,450 min over 23 orders
    assert got["payment_to_ship_hours"] == (pytest.approx(20450 / 60), 23)
    assert figs["payment_to_ship_hours"]["value"] == pytest.approx(20450 / 60 / 23, abs=1e-6)
    # hand-over → delivery: G1 10×2 d, G3 3×3 d, G8 2×1 d = 31 days over 15 orders
    assert got["transit_days"] == (pytest.approx(31), 15)
    # breakpoints: G5 (60 min); G6's 10 min is not one
    assert got["breakpoint_rate"] == (3, 29)
    # interventions: G5 pay+cancel 6, G4 hold+lift 4, G8 approve+deliver 4 = 14
    assert got["interventions_per_1000"] == (14000, 29)
    # timed steps: G1 40/40, G2 8/16, G3 9/12, G4 6/8, G8 10/10, G10 8/8 = 81/94
    assert got["status_timeliness"] == (81, 94)
    assert got["cross_system_consistency"] == (26, 29)
    # holds lifted: G3 3 by the hub, G4 2 by a person
    assert got["self_healed"] == (3, 5)
    expected_ohi = 40 * 81 / 94 + 35 * 26 / 29 + 25 * 3 / 5
    assert figs["order_health_index"]["value"] == pytest.approx(expected_ohi, abs=1e-4)
    assert 80 < expected_ohi < 81  # 34.468 + 31.379 + 15


def the_figures_by_channel_and_warehouse(scenario):
    b = scenario["b"]
    by_b = values(health(**PERIOD, channel_id=b.pk)["figures"])
    # channel B: G3 3 + G4 2 + G10 2 = 7 paid, all handed over; on time G3 3 + G10 2
    assert by_b["channel_fulfilment_rate"] == (7, 7)
    assert by_b["on_time_ship_rate"] == (5, 7)
    by_w2 = values(health(**PERIOD, warehouse_id=W2)["figures"])
    # W2: G3 and G4 (5 orders): steps G3 9/12 + G4 6/8; interventions G4 4
    assert by_w2["status_timeliness"] == (15, 20)
    assert by_w2["interventions_per_1000"] == (4000, 5)
    assert by_w2["self_healed"] == (3, 5)


def the_trend_is_by_day(scenario):
    trend = health(**PERIOD)["days"]
    by_day = {row["day"]: row for row in trend}
    # paid 27 on 11-02, 2 on 11-03; handed over 15 on 11-02, 2 on 11-03, 6 on 11-04
    assert by_day["2026-11-02"]["paid"] == 27
    assert by_day["2026-11-03"]["paid"] == 2
    assert [by_day[d]["shipped"] for d in ("2026-11-02", "2026-11-03", "2026-11-04")] == [15, 2, 6]
    # due on 11-04: G1, G2, G3, G4, G6, G8, G11 = 24; on time G1 + G3 + G8 = 15
    assert (by_day["2026-11-04"]["on_time"], by_day["2026-11-04"]["due"]) == (15, 24)


def late_causes_and_stuck_orders(scenario):
    report = health(**PERIOD)
    assert report["late_causes"] == [{"cause": "state:picking", "orders": 4},
                                     {"cause": "hold:person", "orders": 2}]
    assert stuck_by_reason() == [{"reason": "hold:channel", "orders": 1}]


def test_by_channel_warehouse_day_and_cause(scenario):
    """One scenario (it takes a while to play), four views of it."""
    the_figures_by_channel_and_warehouse(scenario)
    the_trend_is_by_day(scenario)
    late_causes_and_stuck_orders(scenario)


def test_the_rebuild_agrees_with_the_maintained_aggregates(scenario):
    maintained = metric_counts_snapshot()
    assert maintained  # the handler kept them
    flows_before = {flow.order_id: (flow.warehouse_id, flow.contribution)
                    for flow in OrderFlow.objects.all()}
    told = []
    # read by id range, 7 orders a chunk (the 33 orders in 5 chunks), progress after each
    assert metrics_rebuild(chunk=7, progress=lambda done, last: told.append(done))[0] == 33
    assert told == [7, 14, 21, 28, 33]
    assert metric_counts_snapshot() == maintained
    # each order's flow rewritten as it was, its warehouse kept; orders the handler never saw
    # (made by the factory without an event, never paid) now have an empty flow
    flows_after = {flow.order_id: (flow.warehouse_id, flow.contribution)
                   for flow in OrderFlow.objects.all()}
    assert {k: v for k, v in flows_after.items() if k in flows_before} == flows_before
    assert all(v == (0, {}) for k, v in flows_after.items() if k not in flows_before)
    # and a repeated event changes nothing (the handler is state-based)
    figures_follow_orders(list(Event.objects.order_by("pk")))
    assert metric_counts_snapshot() == maintained
