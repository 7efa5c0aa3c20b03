"""A return's parcel is a shipment marked as a return: the couriers' pushes (Kuaidi100's
documented form push here) move it like any parcel, it never moves its order, and its signature
at the warehouse moves the case to "returned", awaiting inspection."""
from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.utils import translation

from aftersales.models import Case
from aftersales.services import CaseInput, case_receive, case_transition
from logistics.shipments.models import Direction, Shipment, ShipmentStatus
from orderhub.core.texts import render
from orderhub.events.models import Event
from orders.models import Channel, Order
from orders.state_machine import Status
from tests.logistics.fake_kuaidi100 import SALT
from tests.logistics.shipments_kit import K100_URL, k100_form, k100_line, k100_param

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"
RETURN_NO = "SF1400012345678"
COLLECTED = k100_line("2026-02-03 16:20:41", "【杭州市】顺丰速运 已收取快件", "103", "浙江省杭州市")
HUB = k100_line("2026-02-03 23:05:12", "快件到达 【杭州转运中心】", "1002", "浙江省杭州市")
SIGNED = k100_line("2026-02-05 09:41:00", "【嘉兴市】快件已签收,签收人:仓库收货组", "301",
                   "浙江省嘉兴市")


@pytest.fixture(autouse=True)
def kuaidi100(settings):
    settings.ORDERHUB_KUAIDI100_SALT = SALT


@pytest.fixture
def push(client, django_capture_on_commit_callbacks):
    def send(param: str):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(K100_URL, urlencode(k100_form(param)), content_type=FORM)

    return send


def return_case(order, django_capture_on_commit_callbacks, *, kind: str = "return") -> Case:
    """The platform's return case, approved, with the number the buyer typed in."""
    jd = Channel.objects.get(code="jd")
    data = CaseInput(channel_case_no=f"JD-RT-{order.pk}", channel_order_no=order.channel_order_no,
                     kind=kind, status="awaiting_return", buyer_words="尺码偏大，退货",
                     return_carrier="顺丰速运", return_tracking_no=RETURN_NO)
    with django_capture_on_commit_callbacks(execute=True):
        case, _ = case_receive(channel=jd, data=data, actor=None)
    case.refresh_from_db()
    return case


def test_a_return_parcel_is_tracked_and_its_signature_moves_the_case(
    order_in, push, django_capture_on_commit_callbacks
):
    # given a delivered order and its return case with the buyer's SF number
    order = order_in("delivered")
    case = return_case(order, django_capture_on_commit_callbacks)
    # then the parcel is a shipment marked as a return, on the order, tracked by number
    parcel = Shipment.objects.get(pk=case.return_shipment_id)
    assert (parcel.direction, parcel.carrier.code, parcel.tracking_no, parcel.status) == (
        Direction.RETURN, "SF", RETURN_NO, ShipmentStatus.AWAITING_PICKUP)
    assert list(parcel.orders.all()) == [order]
    # when Kuaidi100 pushes its collection and a hub scan
    answer = push(k100_param(RETURN_NO, [HUB, COLLECTED], state="0"))
    assert answer.json()["result"] is True
    parcel.refresh_from_db()
    assert parcel.status == ShipmentStatus.IN_TRANSIT
    # then nothing of the order moved and the order's own handlers heard nothing
    assert Order.objects.get(pk=order.pk).status == Status.DELIVERED
    assert not Event.objects.filter(kind__in=["shipment.status_changed", "shipment.created",
                                              "shipment.returned"]).exists()
    assert Case.objects.get(pk=case.pk).status == "awaiting_return"
    # when the warehouse signs for it
    push(k100_param(RETURN_NO, [SIGNED, HUB, COLLECTED], state="3"))
    # then the case waits for inspection, moved by the system with the courier's word
    case.refresh_from_db()
    assert case.status == "returned"
    latest = case.history.latest()
    assert latest.history_user.username == "system"
    assert render(latest.history_change_reason) == (
        f"SF {RETURN_NO}: return signed for at the warehouse")
    with translation.override("zh-hans"):
        assert render(latest.history_change_reason) == f"SF {RETURN_NO}: 退货已签收入库"
    assert Order.objects.get(pk=order.pk).status == Status.DELIVERED
    # and the same push again changes nothing
    push(k100_param(RETURN_NO, [SIGNED, HUB, COLLECTED], state="3"))
    assert Case.objects.get(pk=case.pk).history.count() == case.history.count()


def test_a_return_parcel_never_moves_an_order_still_in_transit(
    order_in, push, django_capture_on_commit_callbacks
):
    # given an exchange asked while the order is still on its way (a split order, say)
    order = order_in("in_transit")
    case = return_case(order, django_capture_on_commit_callbacks, kind="exchange")
    # when the return parcel is signed for
    push(k100_param(RETURN_NO, [SIGNED, HUB, COLLECTED], state="3"))
    # then the order is not delivered by it: its own parcel decides that
    assert Order.objects.get(pk=order.pk).status == Status.IN_TRANSIT
    assert Case.objects.get(pk=case.pk).status == "returned"
    assert not order.holds.exists()


def test_a_number_no_carrier_prints_stays_on_the_case(order_in,
                                                     django_capture_on_commit_callbacks):
    order = order_in("delivered")
    jd = Channel.objects.get(code="jd")
    data = CaseInput(channel_case_no="JD-RT-BAD", channel_order_no=order.channel_order_no,
                     kind="return", status="awaiting_return", return_carrier="顺丰速运",
                     return_tracking_no="12-34")
    case, _ = case_receive(channel=jd, data=data, actor=None)
    case.refresh_from_db()
    assert (case.return_tracking_no, case.return_shipment_id) == ("12-34", None)
    assert not Shipment.objects.filter(direction=Direction.RETURN).exists()


def test_staff_approving_then_the_platform_sending_the_number(order_in, open_case,
                                                              django_capture_on_commit_callbacks):
    # given a case opened on the platform, approved by the hub
    order = order_in("delivered")
    jd = Channel.objects.get(code="jd")
    data = CaseInput(channel_case_no="JD-RT-77", channel_order_no=order.channel_order_no,
                     kind="return", status="requested", buyer_words="不想要了")
    case, _ = case_receive(channel=jd, data=data, actor=None)
    case_transition(case=case, name="approve_return", actor=None)
    assert Case.objects.get(pk=case.pk).return_shipment_id is None
    # when the platform's next report carries the buyer's number
    data.status, data.return_carrier, data.return_tracking_no = (
        "awaiting_return", "shunfeng", RETURN_NO)
    case_receive(channel=jd, data=data, actor=None)
    # then the parcel is tracked
    parcel = Shipment.objects.get(pk=Case.objects.get(pk=case.pk).return_shipment_id)
    assert (parcel.direction, parcel.tracking_no) == (Direction.RETURN, RETURN_NO)
