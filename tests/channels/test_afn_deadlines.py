"""Orders Amazon fulfils itself (AFN, tagged ``fulfilled_by_channel``) are out of the hub's
deadlines (``orders/sla/exemptions.py``): no state due time, no ship-by, never overdue, never
alerted; an MFN order in the same state is held to them, which is what makes these tests able
to fail."""
from __future__ import annotations

import datetime as dt

import pytest

from orderhub.alerts.models import Alert
from orders.bulk_moves import orders_move_many
from orders.models import Order, OrderTag
from orders.services import order_start_picking
from orders.sla.deadlines import TrafficLight, order_traffic_light
from orders.sla.exemptions import orders_deadlines_exempt
from orders.sla.sweep import sla_sweep
from orders.state_machine import Status
from tests.channels import crossborder_payloads as x

pytestmark = pytest.mark.django_db
UTC = dt.timezone.utc
WEEK_LATER = dt.datetime(2026, 2, 6, tzinfo=UTC)  # long past every SLA and LatestShipDate
MFN_NO = "114-0000001-0000001"


def receive(post, number: str, channel: str, **overrides) -> Order:
    body = x.dumps([x.amazon_get_orders(x.amazon_order(AmazonOrderId=number,
                                                       FulfillmentChannel=channel,
                                                       **overrides)),
                    x.amazon_get_order_items(number)])
    response = post("amazon", body)
    assert response.status_code == 200, response.json()
    return Order.objects.get(channel_order_no=number)


def test_an_afn_order_has_no_deadline_and_is_never_alerted(channel, post):
    channel("amazon")
    # given an AFN and an MFN order, both paid (Unshipped) with LatestShipDate 01-30
    afn = receive(post, x.AMAZON_ORDER_ID, "AFN")
    mfn = receive(post, MFN_NO, "MFN")

    # then the AFN order has no due time and no promise; the MFN order has both
    assert afn.status == mfn.status == Status.PAID
    assert (afn.state_due_at, afn.ship_by) == (None, None)
    assert mfn.state_due_at is not None
    assert mfn.ship_by == dt.datetime(2026, 1, 30, 7, 59, 59, tzinfo=UTC)
    assert order_traffic_light(afn, now=WEEK_LATER) == TrafficLight.GREEN
    assert order_traffic_light(mfn, now=WEEK_LATER) == TrafficLight.RED

    # when the sweep runs a week later
    report = sla_sweep(now=WEEK_LATER)

    # then only the MFN order is overdue and alerted (its stay and its promise)
    assert {b.order_id for b in report.raised} == {mfn.pk}
    assert not Alert.objects.filter(order=afn).exists()
    afn.refresh_from_db()
    mfn.refresh_from_db()
    assert (afn.is_stuck, mfn.is_stuck) == (False, True)


def test_an_afn_order_stays_exempt_when_amazon_ships_it_late(channel, post):
    channel("amazon")
    afn = receive(post, x.AMAZON_ORDER_ID, "AFN")
    # when Amazon reports it shipped (the hub walks it through its moves), long after
    # LatestShipDate and every SLA
    afn = receive(post, x.AMAZON_ORDER_ID, "AFN", OrderStatus="Shipped",
                  LastUpdateDate="2026-02-05T01:00:00Z")
    # then no move gave it a due time or recorded a late stay or a late shipment
    assert afn.status == Status.IN_TRANSIT
    assert (afn.state_due_at, afn.ship_by) == (None, None)
    assert not Alert.objects.filter(order=afn).exists()
    assert sla_sweep(now=WEEK_LATER).raised == []


def test_moves_one_at_a_time_or_in_bulk_give_an_afn_order_no_due_time(channel, post, manager):
    channel("amazon")
    afn = receive(post, x.AMAZON_ORDER_ID, "AFN")
    mfn = receive(post, MFN_NO, "MFN")
    # one at a time
    order_start_picking(order=afn, actor=manager, reason="test")
    afn.refresh_from_db()
    assert (afn.status, afn.state_due_at, afn.ship_by) == (Status.PICKING, None, None)
    # in bulk, beside an MFN order that gets its due time
    orders_move_many(name="start_packing", order_ids=[afn.pk], actor=manager, reason="test")
    order_start_picking(order=mfn, actor=manager, reason="test")
    orders_move_many(name="start_packing", order_ids=[afn.pk, mfn.pk], actor=manager,
                     reason="test")
    afn.refresh_from_db()
    mfn.refresh_from_db()
    assert afn.state_due_at is None and afn.ship_by is None
    assert mfn.status == Status.PACKING and mfn.state_due_at is not None
    assert mfn.ship_by is not None


def test_tagging_an_overdue_order_takes_its_deadlines_and_alerts_off(channel, post):
    channel("amazon")
    # given an order the sweep found overdue and alerted (before it was known to be AFN)
    order = receive(post, MFN_NO, "MFN")
    sla_sweep(now=WEEK_LATER)
    assert Alert.objects.filter(order=order, status="open").count() == 2
    # when it is tagged as fulfilled by the channel
    OrderTag.objects.create(order=order, tag="fulfilled_by_channel", note="AFN")
    assert orders_deadlines_exempt(order_ids=[order.pk]) == 1
    # then its deadlines are gone, it is not stuck, and its alerts are resolved by the hub
    order.refresh_from_db()
    assert (order.state_due_at, order.ship_by, order.is_stuck) == (None, None, False)
    assert not Alert.objects.filter(order=order, status="open").exists()
    assert order.history.first().history_change_reason.startswith("fulfilled by the channel")
    # and doing it again changes nothing
    assert orders_deadlines_exempt(order_ids=[order.pk]) == 0
