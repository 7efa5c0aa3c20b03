"""What cases do to the order, the stock ledger and the money; the other apps' events; the
answer-deadline sweep."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from aftersales import texts
from aftersales.deadlines import cases_sweep
from aftersales.demo_data import DEMO_CASE_REASON
from aftersales.models import Case
from aftersales.services import case_transition
from logistics.models import StockMovement
from orderhub.alerts.models import Alert
from orderhub.events.models import Event
from orderhub.events.services import event_record
from orders.models import Hold, Order
from orderhub.core.texts import render

pytestmark = pytest.mark.django_db


def refund_events(case):
    return list(Event.objects.filter(kind="aftersales.refund_approved",
                                     payload__case_id=case.pk).values_list("payload", flat=True))


def test_a_refund_before_shipping_stops_the_warehouse_then_refunds_the_order(open_case):
    case = open_case("refund_only", status="picking", words="拍错了，不想要了")
    order = Order.objects.get(pk=case.order_id)
    assert order.on_hold
    assert Hold.objects.get(order=order, released_at__isnull=True).source == "aftersales"
    case_transition(case=case, name="approve", actor=None)
    case_transition(case=case, name="refund", actor=None)
    order.refresh_from_db()
    assert order.status == "refunded"
    reason = order.history.latest().history_change_reason
    assert reason == texts.FULL_REFUND.encode(case=case.case_no)
    assert render(reason) == f"after-sales {case.case_no}: full refund"
    with translation.override("zh-hans"):
        assert render(reason) == f"售后 {case.case_no}: 全额退款"
    assert refund_events(case) == [{"case_id": case.pk, "case_no": case.case_no,
                                    "amount": "199.00", "currency": "CNY",
                                    "kind": "refund_only"}]


def test_a_partial_refund_lets_the_order_go_on(open_case):
    case = open_case("partial_refund", status="packing", words="少发了一双袜子", amount="19.90")
    assert Order.objects.get(pk=case.order_id).on_hold
    case_transition(case=case, name="approve", actor=None)
    case_transition(case=case, name="refund", actor=None)
    order = Order.objects.get(pk=case.order_id)
    assert (order.status, order.on_hold) == ("packing", False)
    assert refund_events(case)[0]["amount"] == "19.90"


def test_a_rejected_refund_request_lifts_the_hold(open_case):
    case = open_case("refund_only", status="paid")
    case_transition(case=case, name="reject", actor=None, reason="已发货无法拦截")
    assert not Order.objects.get(pk=case.order_id).on_hold


@pytest.mark.parametrize("inspection,rows", [
    ("good", [("receive", 2, 2)]),
    ("damaged", [("receive", 2, 2), ("adjust", 2, -2)]),
])
def test_an_inspected_return_is_restocked_or_written_off(inspection, rows, open_case,
                                                         a_warehouse):
    case = open_case("return")
    for name in ("approve_return", "receive_return"):
        case_transition(case=case, name=name, actor=None)
    case_transition(case=case, name="inspect", actor=None, inspection=inspection)
    ledger = list(StockMovement.objects.filter(stock__sku="TS-WHITE-L").order_by("id")
                  .values_list("kind", "quantity", "on_hand_delta"))
    assert ledger == rows
    assert Case.objects.get(pk=case.pk).inspection == inspection


def test_inspect_needs_good_or_damaged(open_case):
    case = open_case("return")
    for name in ("approve_return", "receive_return"):
        case_transition(case=case, name=name, actor=None)
    with pytest.raises(Exception, match="good"):
        case_transition(case=case, name="inspect", actor=None)


def test_a_resend_creates_the_new_outbound_order(open_case):
    case = open_case("resend", words="发错了")
    case_transition(case=case, name="approve", actor=None)
    case_transition(case=case, name="reship", actor=None)
    case.refresh_from_db()
    new = case.new_order
    assert new.hub_no == f"{case.order.hub_no}R1"
    assert (new.status, new.paid_amount, new.receiver_phone) == (
        "paid", Decimal("0.00"), case.order.receiver_phone)
    assert new.lines.get().sku == "TS-WHITE-L"
    second = Case.objects.get(pk=case.pk)
    assert second.history.latest().new_order_id == new.pk


def test_the_last_case_closed_closes_an_archived_order(open_case, order_in):
    order = order_in("archived")
    first = open_case("refund_only", order=order, amount="10.00")
    second = open_case("resend", order=order)
    for name in ("approve", "refund", "close"):
        case_transition(case=first, name=name, actor=None)
    assert Order.objects.get(pk=order.pk).status == "archived"  # the other case is open
    case_transition(case=second, name="reject", actor=None, reason="已补发过")
    assert Order.objects.get(pk=order.pk).status == "closed"


def test_a_returned_parcel_opens_a_return_case(order_in, django_capture_on_commit_callbacks):
    order = order_in("in_transit")
    with django_capture_on_commit_callbacks(execute=True):
        event_record("shipment.returned", order_id=order.pk, payload={
            "shipment_id": 77, "carrier": "SF", "tracking_no": "SF1400098765432",
            "status": "returned", "previous": "in_transit", "reason": "买家拒收"})
    case = Case.objects.get(order=order)
    assert (case.kind, case.status, case.return_tracking_no, case.return_shipment_id) == (
        "return", "awaiting_return", "SF1400098765432", 77)
    # the same parcel again finds the same case
    with django_capture_on_commit_callbacks(execute=True):
        event_record("shipment.returned", order_id=order.pk, payload={
            "shipment_id": 77, "carrier": "SF", "tracking_no": "SF1400098765432",
            "status": "returned", "previous": "in_transit", "reason": "买家拒收"})
    assert Case.objects.filter(order=order).count() == 1


def test_finance_matching_the_refund_confirms_it(open_case, django_capture_on_commit_callbacks):
    case = open_case("refund_only")
    with django_capture_on_commit_callbacks(execute=True):
        event_record("finance.refund_matched", order_id=case.order_id, payload={
            "case_id": case.pk, "statement_line_id": 991, "colour": "green"})
    case.refresh_from_db()
    assert case.refund_confirmed_at is not None
    assert (case.refund_statement_line_id, case.refund_colour) == (991, "green")


def test_the_sweep_alerts_each_overdue_case_once(open_case):
    case = open_case("return", words="杯子碎了")
    later = case.due_at + dt.timedelta(minutes=5)
    assert cases_sweep(now=later) == 1
    assert cases_sweep(now=later + dt.timedelta(minutes=1)) == 0
    alert = Alert.objects.get(kind="aftersales_overdue")
    assert (alert.team, alert.order_id) == ("logistics_claims", case.order_id)
    assert Case.objects.get(pk=case.pk).is_overdue


def test_the_deadline_is_the_platforms_window_or_the_default(open_case):
    case = open_case("return")
    assert case.due_at - case.requested_at == dt.timedelta(hours=48)
    assert cases_sweep(now=timezone.now()) == 0


def test_routing_follows_the_table_staff_keep(open_case):
    from aftersales.models import TeamRoute
    TeamRoute.objects.create(category="quality", team="warehouse", priority=20)
    case = open_case("return", words="质量太差")
    assert (case.team, case.priority) == ("warehouse", 20)


def test_demo_cases_cover_every_kind_with_a_history(order_in, a_warehouse):
    from django.core.management import call_command
    from orders.demo_data import demo_staff_ensure
    demo_staff_ensure()
    for status in ["delivered"] * 10 + ["paid"] * 2:
        order_in(status)
    call_command("seed_aftersales_demo", "--cases", "10", "--seed", "3")
    assert set(Case.objects.values_list("kind", flat=True)) == {
        "refund_only", "partial_refund", "return", "exchange", "resend"}
    assert all(c.history.filter(history_change_reason=DEMO_CASE_REASON).exists()
               for c in Case.objects.all())
    with translation.override("zh-hans"):
        assert render(DEMO_CASE_REASON) == "演示数据：售后单"
    before = set(Case.objects.values_list("pk", flat=True))
    call_command("seed_aftersales_demo", "--reset", "--cases", "0")
    assert not Case.objects.filter(pk__in=before).exists()
