"""The orders services of issue 4: gift scans and the label guard, address changes, refund
requests, priority; each with its history, its refusals and its permission."""
from __future__ import annotations

import pytest
from django.utils import translation

from orderhub.alerts.models import Alert
from orderhub.core.errors import Conflict, PermissionRefused, ValidationFailed
from orders import holds, services
from orders.models import GiftOrder, Order, OrderTag
from orders.services import GiftNotScanned, IllegalTransition
from orders.state_machine import Status
from tests.factories import GiftOrderFactory, OrderFactory, ProductFactory, open_reasons
from orderhub.core.texts import render

pytestmark = pytest.mark.django_db


@pytest.fixture
def packer(make_user):
    return make_user("warehouse")


# --- gifts ---------------------------------------------------------------------------------------
def test_label_is_refused_until_the_gift_is_scanned_then_allowed(packer, as_request):
    # given an order being packed with a gift waiting to be scanned
    ProductFactory(sku="GIFT-MUG", barcode="6901234567892")
    order = OrderFactory(status=Status.PACKING)
    gift = GiftOrderFactory(parent=order, sku="GIFT-MUG")
    # when the label is printed, then it is refused, naming the gift
    with pytest.raises(GiftNotScanned) as refused:
        services.order_print_label(order=order, actor=packer)
    assert refused.value.message == (
        f"Order {order.hub_no} cannot be labelled yet: gift {gift.hub_no} has not been "
        f"scanned. Scan the gift's code, then print the label.")
    assert refused.value.extra["pending_gifts"] == [gift.hub_no]
    # and the transition's own guard refuses it too (for any caller that skips the service)
    assert "print_label" not in services.allowed_moves(order)
    # when the gift's barcode is scanned
    with as_request(packer):
        services.gift_scan(gift=gift, actor=packer, code=" 6901234567892 ")
    gift.refresh_from_db()
    assert (gift.status, gift.scanned_by) == (GiftOrder.GiftStatus.SCANNED, packer)
    assert render(gift.history.order_by("-history_id").first().history_change_reason) == (
        "gift scanned: 6901234567892")
    # then the label is allowed
    services.order_print_label(order=order, actor=packer, tracking_no="SF123")
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PICKUP


def test_a_wrong_code_is_refused_and_the_gift_stays_pending(packer):
    order = OrderFactory(status=Status.PACKING)
    gift = GiftOrderFactory(parent=order, sku="GIFT-MUG")
    with pytest.raises(ValidationFailed, match="Code 'GIFT-PEN' is not gift"):
        services.gift_scan(gift=gift, actor=packer, code="GIFT-PEN")
    gift.refresh_from_db()
    assert gift.status == GiftOrder.GiftStatus.PENDING


def test_scanning_twice_or_before_picking_is_refused(packer):
    order = OrderFactory(status=Status.PACKING)
    gift = GiftOrderFactory(parent=order, sku="GIFT-MUG")
    services.gift_scan(gift=gift, actor=packer, code="gift-mug")
    with pytest.raises(Conflict, match="already 'scanned'"):
        services.gift_scan(gift=gift, actor=packer, code="GIFT-MUG")
    early = GiftOrderFactory(parent=OrderFactory(status=Status.PAID))
    with pytest.raises(Conflict, match="while their order is picked or packed"):
        services.gift_scan(gift=early, actor=packer, code=early.sku)


@pytest.mark.parametrize(("role", "allowed"), [
    ("warehouse", True), ("manager", True), ("integrator", True),
    ("customer_service", False), ("finance", False), ("operations", False),
])
def test_scanning_needs_pack_order(make_user, role, allowed):
    gift = GiftOrderFactory(parent=OrderFactory(status=Status.PACKING))
    user = make_user(role)
    if allowed:
        services.gift_scan(gift=gift, actor=user, code=gift.sku)
        assert GiftOrder.objects.get(pk=gift.pk).status == GiftOrder.GiftStatus.SCANNED
    else:
        with pytest.raises(PermissionRefused, match="orders.pack_order"):
            services.gift_scan(gift=gift, actor=user, code=gift.sku)


def test_an_order_without_gifts_labels_as_before(packer):
    order = OrderFactory(status=Status.PACKING)
    services.order_print_label(order=order, actor=packer)
    assert order.status == Status.AWAITING_PICKUP


# --- address changes -----------------------------------------------------------------------------
NEW_ADDRESS = {"name": "李娜", "phone": "13900001111", "province": "江苏省", "city": "南京市",
               "district": "鼓楼区", "address": "中山路 1 号"}


def test_address_change_before_picking_updates_and_keeps_the_old_in_history(make_user,
                                                                            as_request):
    cs = make_user("customer_service")
    order = OrderFactory(status=Status.PAID)
    with as_request(cs, ip="198.51.100.4"):
        services.order_change_address(order=order, receiver=NEW_ADDRESS, actor=cs,
                                      reason="buyer moved")
    order.refresh_from_db()
    assert (order.receiver_city, order.receiver_address, order.on_hold) == (
        "南京市", "中山路 1 号", False)
    latest, previous = order.history.order_by("-history_id")[:2]
    assert (previous.receiver_city, previous.receiver_address) == ("杭州市", "文三路 90 号")
    with translation.override("en"):
        assert (latest.history_user, latest.ip_address, render(latest.history_change_reason)) == (
            cs, "198.51.100.4", "address changed: buyer moved")
    assert not Alert.objects.exists()


@pytest.mark.parametrize("status", [Status.PICKING, Status.PACKING, Status.AWAITING_PICKUP])
def test_address_change_after_picking_started_holds_and_alerts_the_warehouse(make_user,
                                                                            status):
    cs = make_user("customer_service")
    order = OrderFactory(status=status)
    services.order_change_address(order=order, receiver={"address": "中山路 2 号"}, actor=cs,
                                  reason="typo")
    order.refresh_from_db()
    assert order.on_hold
    [hold] = order.holds.all()
    assert (hold.source, hold.reason, hold.placed_by) == ("address_change", "typo", cs)
    assert render(order.history.order_by("-history_id").first().history_change_reason) == (
        "address changed: typo; held: picking had started")
    alert = Alert.objects.get(kind="address_changed")
    assert (alert.team, alert.order_id) == ("warehouse", order.pk)
    assert "中山路 2 号" in alert.message
    # and the order cannot move on until released with a reason
    with pytest.raises(services.OrderOnHold):
        services.TRANSITION_SERVICES[
            {Status.PICKING: "start_packing", Status.PACKING: "print_label",
             Status.AWAITING_PICKUP: "hand_over"}[status]](order=order, actor=make_user("manager"))
    holds.order_release_hold(order=order, actor=cs, reason="relabelled")
    order.refresh_from_db()
    assert not order.on_hold


def test_address_change_refusals(make_user):
    cs = make_user("customer_service")
    shipped = OrderFactory(status=Status.IN_TRANSIT)
    with pytest.raises(Conflict, match="ask the carrier|Ask the carrier"):
        services.order_change_address(order=shipped, receiver=NEW_ADDRESS, actor=cs, reason="x")
    order = OrderFactory(status=Status.PAID)
    with pytest.raises(ValidationFailed, match="Unknown receiver fields: zip"):
        services.order_change_address(order=order, receiver={"zip": "1"}, actor=cs, reason="x")
    with pytest.raises(ValidationFailed, match="same as the current one"):
        services.order_change_address(order=order, receiver={"city": "杭州市"}, actor=cs,
                                      reason="x")
    with pytest.raises(ValidationFailed, match="phone cannot be empty"):
        services.order_change_address(order=order, receiver={"phone": " "}, actor=cs,
                                      reason="x")
    with pytest.raises(PermissionRefused, match="orders.change_order"):
        services.order_change_address(order=order, receiver=NEW_ADDRESS,
                                      actor=make_user("warehouse"), reason="x")
    assert order.history.count() == 1


# --- refund requests -----------------------------------------------------------------------------
def test_refund_request_before_shipping_holds_with_the_reason(make_user):
    cs = make_user("customer_service")
    order = OrderFactory(status=Status.PACKING)
    services.order_request_refund(order=order, actor=cs, reason="买错了")
    order.refresh_from_db()
    assert (order.on_hold, open_reasons(order)) == (True, ["买错了"])
    assert order.holds.get().source == "refund_request"
    assert OrderTag.objects.filter(order=order, tag="refund_requested").exists()
    assert Alert.objects.get(kind="refund_requested").order_id == order.pk
    with pytest.raises(Conflict, match="already been requested"):
        services.order_request_refund(order=order, actor=cs, reason="again")
    # the refund itself is still possible while held
    services.order_refund(order=order, actor=make_user("finance"), reason="refunded")
    assert order.status == Status.REFUNDED


def test_refund_request_keeps_an_earlier_hold(make_user):
    cs = make_user("customer_service")
    order = OrderFactory(status=Status.PAID)
    holds.order_hold(order=order, actor=cs, reason="address check")
    services.order_request_refund(order=order, actor=cs, reason="too slow")
    # then both holds are open, each on its own, and lifting one leaves the other
    assert open_reasons(order) == ["address check", "too slow"]
    first = order.holds.get(source="person")
    holds.order_release_hold(order=order, actor=cs, reason="checked", hold_ids=[first.pk])
    order.refresh_from_db()
    assert order.on_hold and open_reasons(order) == ["too slow"]


def test_refund_request_refusals(make_user):
    cs = make_user("customer_service")
    for status, words in ((Status.PENDING_PAYMENT, "cancel it instead"),
                          (Status.IN_TRANSIT, "through after-sales")):
        with pytest.raises(Conflict, match=words):
            services.order_request_refund(order=OrderFactory(status=status), actor=cs,
                                          reason="x")
    with pytest.raises(PermissionRefused, match="orders.hold_order"):
        services.order_request_refund(order=OrderFactory(status=Status.PAID),
                                      actor=make_user("finance"), reason="x")
    with pytest.raises(ValidationFailed):
        services.order_request_refund(order=OrderFactory(status=Status.PAID), actor=cs,
                                      reason=" ")


# --- priority ------------------------------------------------------------------------------------
def test_set_priority_records_the_reason_and_needs_change_order(make_user):
    order = OrderFactory(status=Status.PAID)
    services.order_set_priority(order=order, priority=Order.Priority.URGENT, actor=None,
                                reason="rule 'VIP'")
    order.refresh_from_db()
    assert order.priority == Order.Priority.URGENT
    with translation.override("en"):  # the priority is rendered through its label
        assert render(order.history.order_by("-history_id").first().history_change_reason) == (
            "priority Urgent: rule 'VIP'")
    with pytest.raises(PermissionRefused):
        services.order_set_priority(order=order, priority=0, actor=make_user("warehouse"),
                                    reason="x")
    with pytest.raises(ValidationFailed):
        services.order_set_priority(order=order, priority=99, actor=None, reason="x")


def test_print_label_from_a_wrong_state_still_names_the_state(packer):
    order = OrderFactory(status=Status.PICKING)
    GiftOrderFactory(parent=order)
    with pytest.raises(IllegalTransition, match="it is 'picking'"):
        services.order_print_label(order=order, actor=packer)
