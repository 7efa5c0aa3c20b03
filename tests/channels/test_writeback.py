"""Shipping write-back: the hand-over asks for it once per order and tracking number, the sender
confirms it to the channel's (fake) platform, retries what the platform did not decide with
backoff, gives up on what it refused (alert and event), and staff may retry."""
from __future__ import annotations

import logging
import time

import pytest
from django.utils import timezone, translation

from channels.handlers import (
    handovers_from_shipments,
    shipments_confirm_to_channels,
)
from channels.outbound.base import Reason, Verdict, retry
from channels.writeback.events import WRITEBACK_CONFIRMED, WRITEBACK_FAILED
from channels.writeback.models import ChannelApiAccess, WriteBack
from channels.writeback.outcomes import BACKOFF_SECONDS, writeback_attempt_record
from channels.writeback.sender import writebacks_claim, writebacks_send
from channels.writeback.services import (
    RETRYABLE,
    writeback_request,
    writeback_retryable,
    writebacks_retry,
)
from orderhub.alerts.models import Alert
from orderhub.core.errors import PermissionRefused
from orderhub.core.texts import is_encoded, render
from orderhub.events.models import Event
from orderhub.events.registry import handlers_for
from orders.state_machine import Status
from tests.channels.fake_platforms import SECRET, TOKEN
from tests.channels.writeback_kit import (
    ORDER_NO,
    awaiting_pickup,
    connect,
    due_now,
    events_of,
    hand_over,
)

WB = WriteBack.WriteBackStatus


@pytest.fixture(autouse=True)
def quick(settings, db):
    settings.ORDERHUB_WRITEBACK_TIMEOUT_SECONDS = 0.3


# --- the hand-over ---------------------------------------------------------------------------------
@pytest.mark.parametrize("code", ["taobao", "tmall", "jd", "pdd", "douyin", "shopify"])
def test_a_hand_over_is_confirmed_to_the_channel_once(
    code, platform, django_capture_on_commit_callbacks
):
    # given a channel whose API access points at its (fake) platform
    fake = platform(code)
    connect(code, fake)
    order = awaiting_pickup(code)

    # when the courier collects the parcel
    hand_over(order, django_capture_on_commit_callbacks)

    # then the platform got the documented request once and the write-back is confirmed
    assert fake.problems == []
    assert [(s.order_no, s.tracking_no) for s in fake.shipments] == [
        (order.channel_order_no, "SF1234567890123")]
    writeback = WriteBack.objects.get(order=order)
    assert (writeback.status, writeback.carrier, writeback.carrier_given, writeback.attempts) == (
        WB.CONFIRMED, "SF", "SF", 1)
    # the parcel is the order's shipment, made from its carrier and number at the hand-over
    [shipment] = order.shipments.all()
    assert (shipment.carrier.code, shipment.tracking_no, shipment.status) == (
        "SF", "SF1234567890123", "in_transit")
    assert writeback.shipment_ref == str(shipment.pk)
    assert writeback.confirmed_at is not None and writeback.next_attempt_at is None
    [attempt] = writeback.attempt_log.all()
    assert (attempt.verdict, attempt.http_status) == (Verdict.CONFIRMED, 200)
    # and integrators hear of it
    [event] = events_of(WRITEBACK_CONFIRMED)
    assert event.order_id == order.pk
    assert event.payload | {"writeback_id": 0} == {
        "writeback_id": 0, "channel": code, "channel_order_no": order.channel_order_no,
        "carrier": "SF", "tracking_no": "SF1234567890123", "shipment_ref": str(shipment.pk),
        "attempts": 1}


def test_the_handler_running_twice_confirms_once(platform, django_capture_on_commit_callbacks):
    # given an order handed over and confirmed
    fake = platform("jd")
    connect("jd", fake)
    order = awaiting_pickup("jd")
    hand_over(order, django_capture_on_commit_callbacks)
    [event] = Event.objects.filter(kind="order.status_changed", order_id=order.pk,
                                   payload__to=Status.IN_TRANSIT)

    # when the handler runs again on the same event (a retried batch), twice
    with django_capture_on_commit_callbacks(execute=True):
        shipments_confirm_to_channels([event])
        shipments_confirm_to_channels([event])

    # then nothing new is asked or sent
    assert WriteBack.objects.filter(order=order).count() == 1
    assert len(fake.requests) == 1 and fake.shipped[order.channel_order_no] == 1


def test_asking_again_for_a_waiting_write_back_sends_nothing_more(
    platform, django_capture_on_commit_callbacks
):
    fake = platform("pdd")
    connect("pdd", fake)
    order = awaiting_pickup("pdd", status=Status.IN_TRANSIT)
    with django_capture_on_commit_callbacks() as callbacks:
        first = writeback_request(order_ids=[order.pk], carrier="SF", tracking_no="SF1")
        again = writeback_request(order_ids=[order.pk], carrier="顺丰速运", tracking_no="SF1")
    assert [w.pk for w in first] == [w.pk for w in again]
    assert len(callbacks) == 1  # one send queued, for the new write-back only


def test_the_handover_reads_the_shipments_carrier_and_tracking_number(db):
    event = Event(kind="shipment.status_changed", order_id=5, payload={
        "shipment_id": 9, "carrier": "ZTO", "tracking_no": "78123", "status": "in_transit",
        "previous": "awaiting_pickup"})
    [handover] = handovers_from_shipments([event])
    assert (handover.order_ids, handover.carrier, handover.tracking_no,
            handover.shipment_ref) == ((5,), "ZTO", "78123", "9")


@pytest.mark.parametrize("code", ["miniprogram", "pos"])
def test_the_sellers_own_channels_need_no_confirmation(code, django_capture_on_commit_callbacks):
    order = awaiting_pickup(code)
    hand_over(order, django_capture_on_commit_callbacks)
    writeback = WriteBack.objects.get(order=order)
    assert (writeback.status, writeback.reason) == (WB.NOT_NEEDED, Reason.NO_CONFIRMATION)


def test_a_channel_that_reported_the_shipment_itself_is_not_told_again(
    platform, django_capture_on_commit_callbacks
):
    # given Taobao itself said the order is shipped (the hub walked it forward from that)
    fake = platform("taobao")
    connect("taobao", fake)
    order = awaiting_pickup("taobao", channel_status="WAIT_BUYER_CONFIRM_GOODS")

    hand_over(order, django_capture_on_commit_callbacks)

    writeback = WriteBack.objects.get(order=order)
    assert (writeback.status, writeback.reason) == (WB.NOT_NEEDED,
                                                   Reason.CHANNEL_REPORTED_SHIPPED)
    assert fake.requests == []


def test_a_channel_without_api_access_is_not_called(django_capture_on_commit_callbacks):
    order = awaiting_pickup("douyin")
    hand_over(order, django_capture_on_commit_callbacks)
    writeback = WriteBack.objects.get(order=order)
    assert (writeback.status, writeback.reason) == (WB.NOT_NEEDED, Reason.WRITEBACK_OFF)


def test_an_order_without_a_tracking_number_fails_and_alerts(
    platform, django_capture_on_commit_callbacks
):
    connect("jd", platform("jd"))
    order = awaiting_pickup("jd", tracking_no="", status=Status.IN_TRANSIT)
    with django_capture_on_commit_callbacks(execute=True):
        writeback_request(order_ids=[order.pk], carrier="SF", tracking_no="")
    writeback = WriteBack.objects.get(order=order)
    assert (writeback.status, writeback.reason) == (WB.FAILED, Reason.NO_TRACKING_NO)
    assert Alert.objects.filter(kind="writeback_failed", order=order).count() == 1
    assert len(events_of(WRITEBACK_FAILED)) == 1


# --- what the platform answers --------------------------------------------------------------------
def test_a_refused_carrier_fails_at_once_with_the_platforms_words(
    platform, django_capture_on_commit_callbacks
):
    # given TOP refuses the carrier code
    fake = platform("taobao").next("refuse_carrier")
    connect("taobao", fake)
    order = awaiting_pickup("taobao")

    hand_over(order, django_capture_on_commit_callbacks)

    # then the write-back failed after one attempt, not to be retried on its own
    writeback = WriteBack.objects.get(order=order)
    assert (writeback.status, writeback.reason, writeback.attempts) == (
        WB.FAILED, Reason.CARRIER_REFUSED, 1)
    assert writeback.platform_code == "isv.logistics-offline-service-error:B27"
    assert writeback.platform_message == "物流公司不支持"
    assert writeback.next_attempt_at is None and "error_response" in writeback.answer_excerpt
    # and operations are alerted, integrators told
    [alert] = Alert.objects.filter(kind="writeback_failed")
    assert alert.order_id == order.pk and alert.team == "operations"
    assert is_encoded(alert.title) and is_encoded(alert.message)
    with translation.override("en"):
        assert "failed" in render(alert.title) and "物流公司不支持" in render(alert.message)
    with translation.override("zh-hans"):
        assert render(alert.title).endswith("回传发货失败")
        assert "渠道返回：isv.logistics-offline-service-error:B27 物流公司不支持" in render(
            alert.message)
    [event] = events_of(WRITEBACK_FAILED)
    assert event.payload["reason"] == Reason.CARRIER_REFUSED
    assert event.payload["platform_message"] == "物流公司不支持"
    # and nothing more is sent later
    assert writebacks_send().claimed == 0


def test_a_server_error_is_retried_with_backoff_until_confirmed(
    platform, django_capture_on_commit_callbacks
):
    # given the platform answers 502, then 502 again, then accepts
    fake = platform("jd").next("server_error", "server_error")
    connect("jd", fake)
    order = awaiting_pickup("jd")
    hand_over(order, django_capture_on_commit_callbacks)

    # then it waits out the first backoff
    writeback = WriteBack.objects.get(order=order)
    assert (writeback.status, writeback.reason, writeback.attempts) == (
        WB.PENDING, Reason.SERVER_ERROR, 1)
    first_wait = writeback.next_attempt_at - writeback.last_attempt_at
    assert abs(first_wait.total_seconds() - BACKOFF_SECONDS[0]) < 2
    assert writebacks_send().claimed == 0  # not due yet

    # when it is due: the second fails and waits longer
    due_now(writeback)
    writebacks_send()
    writeback.refresh_from_db()
    second_wait = writeback.next_attempt_at - writeback.last_attempt_at
    assert (writeback.status, writeback.attempts) == (WB.PENDING, 2)
    assert abs(second_wait.total_seconds() - BACKOFF_SECONDS[1]) < 2

    # and the third is confirmed
    due_now(writeback)
    writebacks_send()
    writeback.refresh_from_db()
    assert (writeback.status, writeback.attempts, writeback.reason) == (WB.CONFIRMED, 3, "")
    assert [a.reason for a in writeback.attempt_log.order_by("id")] == [
        Reason.SERVER_ERROR, Reason.SERVER_ERROR, ""]


def test_a_write_back_that_keeps_failing_gives_up_and_alerts(
    platform, settings, django_capture_on_commit_callbacks
):
    settings.ORDERHUB_WRITEBACK_MAX_ATTEMPTS = 3
    fake = platform("pdd").next("busy", "busy", "busy", "busy")
    connect("pdd", fake)
    order = awaiting_pickup("pdd")
    hand_over(order, django_capture_on_commit_callbacks)
    writeback = WriteBack.objects.get(order=order)
    for _ in range(2):
        due_now(writeback)
        writebacks_send()
    writeback.refresh_from_db()
    assert (writeback.status, writeback.attempts, writeback.reason) == (
        WB.FAILED, 3, Reason.PLATFORM_BUSY)
    assert Alert.objects.filter(kind="writeback_failed", order=order).count() == 1
    assert len(fake.requests) == 3


def test_a_lost_answer_then_already_shipped_is_our_confirmation(
    platform, django_capture_on_commit_callbacks
):
    # given the platform takes longer than the hub waits, but ships the order
    fake = platform("douyin").next("slow")
    fake.delay = 0.6
    connect("douyin", fake)
    order = awaiting_pickup("douyin")
    hand_over(order, django_capture_on_commit_callbacks)
    writeback = WriteBack.objects.get(order=order)
    assert (writeback.status, writeback.reason) == (WB.PENDING, Reason.TIMEOUT)

    # when the retry (after the platform finished) hears "already shipped"
    deadline = time.monotonic() + 5
    while not fake.shipped[order.channel_order_no] and time.monotonic() < deadline:
        time.sleep(0.02)
    due_now(writeback)
    writebacks_send()

    # then that is taken as the confirmation: shipped once, no failure
    writeback.refresh_from_db()
    assert writeback.status == WB.CONFIRMED
    assert fake.shipped[order.channel_order_no] == 1
    assert "earlier attempt" in writeback.last_error
    assert not Alert.objects.filter(kind="writeback_failed").exists()


def test_already_shipped_by_someone_else_fails(platform, django_capture_on_commit_callbacks):
    # given someone shipped the order in the seller center before the hub
    fake = platform("jd")
    fake.shipped[ORDER_NO["jd"]] += 1
    connect("jd", fake)
    order = awaiting_pickup("jd")

    hand_over(order, django_capture_on_commit_callbacks)

    writeback = WriteBack.objects.get(order=order)
    assert (writeback.status, writeback.reason) == (WB.FAILED, Reason.ALREADY_SHIPPED)


def test_a_sender_that_died_leaves_the_write_back_to_the_next_one(platform, settings):
    # given a write-back claimed by a sender that died before recording the answer
    fake = platform("tmall")
    connect("tmall", fake)
    order = awaiting_pickup("tmall", status=Status.IN_TRANSIT)
    [writeback] = writeback_request(order_ids=[order.pk], carrier="SF", tracking_no="SF9")
    [claimed] = writebacks_claim()
    assert claimed.status == WB.SENT and claimed.attempts == 1
    assert writebacks_claim() == []  # the lease holds it

    # when its lease runs out
    WriteBack.objects.filter(pk=writeback.pk).update(next_attempt_at=timezone.now())
    writebacks_send()

    # then another sender confirms it, noting the lost attempt
    writeback.refresh_from_db()
    assert (writeback.status, writeback.attempts) == (WB.CONFIRMED, 2)
    assert [a.reason for a in writeback.attempt_log.order_by("id")] == [Reason.ANSWER_LOST, ""]


def test_a_late_answer_does_not_overwrite_a_newer_attempt(db):
    order = awaiting_pickup("jd", status=Status.IN_TRANSIT)
    connect("jd")
    [writeback] = writeback_request(order_ids=[order.pk], carrier="SF", tracking_no="SF9")
    WriteBack.objects.filter(pk=writeback.pk).update(status=WB.SENT, attempts=2)

    writeback_attempt_record(writeback_id=writeback.pk, token=1,
                             outcome=retry(Reason.TIMEOUT), started_at=timezone.now())

    writeback.refresh_from_db()
    assert (writeback.status, writeback.attempts, writeback.reason) == (WB.SENT, 2, "")
    assert writeback.attempt_log.count() == 1  # kept for the record only


def test_credentials_are_retried_and_never_logged(
    platform, caplog, django_capture_on_commit_callbacks
):
    fake = platform("taobao").next("credentials")
    connect("taobao", fake)
    order = awaiting_pickup("taobao")
    with caplog.at_level(logging.DEBUG):
        hand_over(order, django_capture_on_commit_callbacks)
    writeback = WriteBack.objects.get(order=order)
    assert (writeback.status, writeback.reason) == (WB.PENDING, Reason.CREDENTIALS)
    stored = " ".join([writeback.answer_excerpt, writeback.platform_message,
                       writeback.last_error, *writeback.attempt_log.values_list("excerpt",
                                                                               flat=True)])
    assert TOKEN in fake.raw[0][1].decode()  # it was sent …
    assert TOKEN not in stored and SECRET not in stored  # … and kept nowhere
    assert TOKEN not in caplog.text and SECRET not in caplog.text


def test_an_unknown_carrier_waits_for_the_channels_carrier_codes(
    platform, make_user, django_capture_on_commit_callbacks
):
    # given J&T, for which the JD table has no logistics id
    fake = platform("jd")
    connect("jd", fake)
    order = awaiting_pickup("jd", carrier="极兔速递")
    hand_over(order, django_capture_on_commit_callbacks)
    writeback = WriteBack.objects.get(order=order)
    assert (writeback.status, writeback.reason, writeback.carrier) == (
        WB.FAILED, Reason.UNKNOWN_CARRIER, "JTEXPRESS")
    assert fake.requests == []

    # when operations add the shop's code and retry
    ChannelApiAccess.objects.filter(channel__code="jd").update(
        carrier_codes={"JTEXPRESS": "3003"})
    with django_capture_on_commit_callbacks(execute=True):
        assert writebacks_retry(writeback_ids=[writeback.pk],
                                actor=make_user("operations")) == 1

    # then it goes through
    writeback.refresh_from_db()
    assert writeback.status == WB.CONFIRMED and writeback.retried_by is not None
    assert fake.shipments[0].carrier == "3003"


# --- staff retries --------------------------------------------------------------------------------
@pytest.mark.parametrize("role, allowed", [
    ("operations", True), ("manager", True), ("customer_service", False),
    ("warehouse", False), ("finance", False),
])
def test_who_may_retry_a_write_back(role, allowed, make_user, django_capture_on_commit_callbacks):
    order = awaiting_pickup("jd", status=Status.IN_TRANSIT, tracking_no="")
    connect("jd")
    [writeback] = writeback_request(order_ids=[order.pk], carrier="SF", tracking_no="")
    assert writeback.status == WB.FAILED
    user = make_user(role)
    if not allowed:
        with pytest.raises(PermissionRefused):
            writebacks_retry(writeback_ids=[writeback.pk], actor=user)
        return
    with django_capture_on_commit_callbacks() as callbacks:
        assert writebacks_retry(writeback_ids=[writeback.pk], actor=user) == 1
    writeback.refresh_from_db()
    assert (writeback.status, writeback.attempts, writeback.retried_by) == (WB.PENDING, 0, user)
    assert len(callbacks) == 1  # the sender, after commit


def test_confirmed_write_backs_are_not_retried(make_user, platform,
                                               django_capture_on_commit_callbacks):
    fake = platform("pdd")
    connect("pdd", fake)
    order = awaiting_pickup("pdd")
    hand_over(order, django_capture_on_commit_callbacks)
    writeback = WriteBack.objects.get(order=order)
    assert writebacks_retry(writeback_ids=[writeback.pk], actor=make_user("manager")) == 0
    assert len(fake.requests) == 1


def test_a_second_tracking_number_of_a_confirmed_order_is_not_needed(
    platform, django_capture_on_commit_callbacks
):
    fake = platform("jd")
    connect("jd", fake)
    order = awaiting_pickup("jd")
    hand_over(order, django_capture_on_commit_callbacks)
    [second] = writeback_request(order_ids=[order.pk], carrier="SF", tracking_no="SF2")
    assert (second.status, second.reason) == (WB.NOT_NEEDED, Reason.ALREADY_CONFIRMED)
    assert len(fake.requests) == 1


def test_the_retryable_rule_is_the_same_for_a_row_and_a_queryset(db):
    # every status and reason: the one-row form agrees with the queryset form
    order = awaiting_pickup("jd", status=Status.IN_TRANSIT)
    connect("jd")
    [writeback] = writeback_request(order_ids=[order.pk], carrier="SF", tracking_no="SF9")
    for status in WB.values:
        for reason in ["", *Reason.values]:
            WriteBack.objects.filter(pk=writeback.pk).update(status=status, reason=reason)
            writeback.refresh_from_db()
            in_queryset = WriteBack.objects.filter(RETRYABLE, pk=writeback.pk).exists()
            assert writeback_retryable(writeback) is in_queryset, (status, reason)


@pytest.mark.parametrize(("kind", "previous", "status", "wanted"), [
    ("shipment.created", "", "awaiting_pickup", False),  # a label: not left yet
    ("shipment.created", "", "in_transit", True),  # arrived shipped, or handed over
    ("shipment.created", "", "delivered", True),
    ("shipment.status_changed", "awaiting_pickup", "in_transit", True),  # first scan
    ("shipment.status_changed", "awaiting_pickup", "delivered", True),  # signed at once
    ("shipment.status_changed", "in_transit", "out_for_delivery", False),  # told already
    ("shipment.status_changed", "out_for_delivery", "delivered", False),
])
def test_only_a_parcel_leaving_the_warehouse_reaches_the_write_back_handler(
    kind, previous, status, wanted
):
    payload = {"shipment_id": 1, "carrier": "SF", "tracking_no": "SF1", "status": status,
               "previous": previous}
    names = {h.name for h in handlers_for(kind, payload)}
    assert ("channels.writeback" in names) is wanted
    assert not any(h.name == "channels.writeback" for h in handlers_for(
        "order.status_changed", {"from": "awaiting_pickup", "to": "in_transit", "move": "x"}))


def test_the_shipments_kinds_are_the_logistics_apps():
    from channels import handlers
    from logistics.shipments import events

    assert (handlers.SHIPMENT_CREATED, handlers.SHIPMENT_STATUS_CHANGED) == (
        events.SHIPMENT_CREATED, events.SHIPMENT_STATUS_CHANGED)
