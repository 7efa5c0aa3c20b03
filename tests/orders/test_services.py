"""Transition services: end state, history (user, IP, reason), refusals, holds."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils import timezone

from orderhub.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from orders import holds, services
from orders.models import Channel, GiftOrder, Order
from orders.services import IllegalTransition, LineInput, OrderInput, OrderOnHold
from orders.state_machine import MOVES, MOVES_BY_NAME, Status
from tests.factories import ChannelFactory, GiftOrderFactory, OrderFactory
from orderhub.core.texts import render

pytestmark = pytest.mark.django_db

# One (source state, move, expected target) per move: the happy path of each service.
HAPPY = [(move.sources[0], move.name, move.target) for move in MOVES]


@pytest.mark.parametrize(("source", "name", "target"), HAPPY)
def test_each_transition_service_moves_and_records_who_where_why(
    source, name, target, manager, as_request
):
    # given an order in the move's source state
    order = OrderFactory(status=source, channel=ChannelFactory(skips_invoicing=True))
    # when a manager applies the move from a request
    with as_request(manager, ip="198.51.100.23"):
        services.TRANSITION_SERVICES[name](order=order, actor=manager, reason=f"test {name}")
    # then the order is in the target state and the history names the user, IP and reason
    order.refresh_from_db()
    assert order.status == target
    latest = order.history.order_by("-history_id").first()
    assert latest.status == target
    assert latest.history_user == manager
    assert latest.ip_address == "198.51.100.23"
    assert render(latest.history_change_reason) == f"test {name}"
    assert order.history.count() == 2


@pytest.mark.parametrize("name", [move.name for move in MOVES])
def test_each_transition_is_refused_from_a_wrong_state(name, manager):
    # given an order in a state the move does not start from
    move = MOVES_BY_NAME[name]
    wrong = next(s for s in [Status.CLOSED, Status.CANCELLED, Status.PENDING_PAYMENT]
                 if s not in move.sources)
    order = OrderFactory(status=wrong)
    # when the move is attempted, then it is refused with the current state and what is allowed
    with pytest.raises(IllegalTransition) as refused:
        services.TRANSITION_SERVICES[name](order=order, actor=manager, reason="")
    assert f"it is '{wrong}'" in refused.value.message
    assert refused.value.extra["current_state"] == wrong
    order.refresh_from_db()
    assert order.status == wrong
    assert order.history.count() == 1


def test_refusal_names_the_allowed_moves(manager):
    order = OrderFactory(status=Status.DELIVERED)
    with pytest.raises(IllegalTransition) as refused:
        services.order_start_picking(order=order, actor=manager)
    assert refused.value.extra["allowed_transitions"] == ["invoice", "refund"]
    assert "allowed from here: invoice, refund" in refused.value.message


def test_settle_from_delivered_only_where_the_channel_invoices_itself(manager):
    order = OrderFactory(status=Status.DELIVERED, channel=ChannelFactory(skips_invoicing=False))
    with pytest.raises(IllegalTransition):
        services.order_settle(order=order, actor=manager)
    tmall = OrderFactory(
        status=Status.DELIVERED, channel=ChannelFactory(skips_invoicing=True)
    )
    services.order_settle(order=tmall, actor=manager)
    assert tmall.status == Status.SETTLED


def test_role_without_the_permission_is_refused(make_user):
    warehouse = make_user("warehouse")
    order = OrderFactory(status=Status.DELIVERED)
    with pytest.raises(PermissionRefused) as refused:
        services.order_refund(order=order, actor=warehouse, reason="buyer asked")
    assert "orders.refund_order" in refused.value.message
    order.refresh_from_db()
    assert order.status == Status.DELIVERED


def test_background_task_is_recorded_as_the_system_user():
    order = OrderFactory(status=Status.PAID)
    services.order_start_picking(order=order, actor=None, reason="auto-release")
    latest = order.history.order_by("-history_id").first()
    assert latest.history_user.username == "system"
    assert latest.ip_address is None


def test_hold_blocks_forward_moves_until_released(make_user):
    cs = make_user("customer_service")
    warehouse = make_user("warehouse")
    order = OrderFactory(status=Status.PAID)
    holds.order_hold(order=order, actor=cs, reason="buyer changed the address")
    with pytest.raises(OrderOnHold) as held:
        services.order_start_picking(order=order, actor=warehouse)
    assert "buyer changed the address" in held.value.message
    holds.order_release_hold(order=order, actor=cs, reason="address confirmed")
    services.order_start_picking(order=order, actor=warehouse)
    assert order.status == Status.PICKING
    reasons = [render(reason) for reason in order.history.order_by("history_id")
               .values_list("history_change_reason", flat=True)]
    # no reason given: the move's label
    assert reasons[1:] == ["hold: buyer changed the address", "release: address confirmed", "Start picking"]


def test_default_reason_reads_in_each_readers_language_whoever_asked(settings, manager):
    # given a hub that speaks Chinese, and a request in English
    settings.LANGUAGE_CODE = "zh-hans"
    order = OrderFactory(status=Status.PAID)
    # when a move is made without a reason
    with translation.override("en"):
        services.order_start_picking(order=order, actor=manager)
    # then the history keeps the move, which each reader reads in their own language
    stored = order.history.order_by("-history_id").first().history_change_reason
    with translation.override("zh-hans"):
        assert render(stored) == "开始拣货"
    with translation.override("en"):
        assert render(stored) == "Start picking"


def test_held_order_can_still_be_cancelled(manager):
    order = OrderFactory(status=Status.PICKING, on_hold=True, hold_reason="refund requested")
    services.order_cancel(order=order, actor=manager, reason="refund before shipping")
    assert order.status == Status.CANCELLED


def test_hold_needs_a_reason_and_a_permission(make_user):
    order = OrderFactory(status=Status.PAID)
    with pytest.raises(ValidationFailed):
        holds.order_hold(order=order, actor=None, reason="  ")
    with pytest.raises(PermissionRefused):
        holds.order_hold(order=order, actor=make_user("finance"), reason="x")
    with pytest.raises(ValidationFailed, match="only the holds it names"):
        holds.order_release_hold(order=order, actor=None, reason="lift everything")
    with pytest.raises(Conflict, match="is not on hold"):
        holds.order_release_hold(order=order, actor=make_user("manager"), reason="not held")


def test_cancel_cancels_open_gift_sub_orders(manager):
    gift = GiftOrderFactory(parent=OrderFactory(status=Status.PICKING))
    services.order_cancel(order=gift.parent, actor=manager, reason="buyer cancelled")
    gift.refresh_from_db()
    assert gift.status == GiftOrder.GiftStatus.CANCELLED
    assert render(gift.history.order_by("-history_id").first().history_change_reason) == "buyer cancelled"


def test_unknown_transition_name_is_not_found(manager):
    with pytest.raises(NotFound):
        services.order_transition(order=OrderFactory(), name="teleport", actor=manager)


def test_orders_create_numbers_lines_and_history():
    channel = Channel.objects.get(code="jd")
    day = dt.date(2026, 1, 28)
    data = OrderInput(
        channel_order_no="301234567890",
        lines=[LineInput(title="T恤", quantity=2, unit_price=Decimal("59.50"), sku="TS-01")],
        shipping_amount=Decimal("10.00"),
        status=Status.PAID,
        # 00:30 in Beijing is still the evening before in UTC: the number carries Beijing's day
        placed_at=dt.datetime(2026, 1, 27, 16, 30, tzinfo=dt.timezone.utc),
        paid_at=timezone.now(),
        receiver={"name": "李娜", "phone": "13812345678", "province": "广东省"},
    )
    first, second = services.orders_create(
        channel=channel,
        orders=[data, OrderInput(channel_order_no="2", lines=data.lines,
                                 placed_at=data.placed_at)],
        actor=None, reason="import",
    )
    assert (first.hub_no, second.hub_no) == ("JD2026012800001", "JD2026012800002")
    first = Order.objects.get(pk=first.pk)
    assert first.status == Status.PAID
    assert first.goods_amount == Decimal("119.00")
    assert first.paid_amount == Decimal("129.00")
    assert first.lines.get().amount == Decimal("119.00")
    assert render(first.history.get().history_change_reason) == "import"
    assert first.history.get().history_user.username == "system"
    assert first.lines.get().history.count() == 1
    # the daily serial continues where it stopped
    assert services.hub_no_allocate(channel=channel, day=day) == ["JD2026012800003"]


def test_orders_create_refuses_an_order_without_lines():
    with pytest.raises(ValidationFailed, match="has no lines"):
        services.order_create(
            channel=ChannelFactory(), data=OrderInput(channel_order_no="9", lines=[]),
            actor=None, reason="",
        )
    assert Order.objects.count() == 0
