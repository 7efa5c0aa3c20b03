"""Courier pushes (Kuaidi100's subscription push, SF's route push, as their documentation
shows them): stored raw first, refused clearly when wrong, never backwards; the orders follow
the trace; refusals hold the order; trace alerts; the subscription after a label."""
from __future__ import annotations

import datetime as dt
import io
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.utils import timezone

from logistics.shipments.alerts import stale_trace_sweep, stale_trace_sweep_until_done
from logistics.shipments.events import SHIPMENT_RETURNED, SHIPMENT_STATUS_CHANGED
from logistics.shipments.models import (
    CourierPush,
    Shipment,
    ShipmentEvent,
    ShipmentStatus,
    Trust,
)
from logistics.shipments.subscriptions import subscriptions_send
from orderhub.alerts.models import Alert
from orderhub.events.models import Event
from orders.models import Hold
from orders.state_machine import Status
from tests.factories import OrderFactory
from tests.logistics.fake_kuaidi100 import KEY, SALT, FakeKuaidi100
from tests.logistics.shipments_kit import (
    K100_URL,
    SF_NO,
    SF_TOKEN,
    SF_URL,
    ago,
    k100_form,
    k100_line,
    k100_param,
    labelled,
    sf_body,
    sf_route,
)

# Kuaidi100 posts its pushes as a urlencoded form (a multipart body would be an upload).
FORM = "application/x-www-form-urlencoded"

K100_OK = {"result": True, "returnCode": "200", "message": "成功"}
SF_OK = {"return_code": "0000", "return_msg": "成功"}
COLLECTED = k100_line("2026-01-28 18:02:11", "【深圳市】顺丰速运 已收取快件", "103", "广东省深圳市")
HUB = k100_line("2026-01-28 22:40:05", "快件到达 【深圳华南陆运枢纽】", "1002", "广东省深圳市")
SIGNED = k100_line("2026-01-30 10:15:02", "【杭州市】快件已签收,签收人:本人", "301", "浙江省杭州市")


@pytest.fixture(autouse=True)
def couriers(settings, db):
    settings.ORDERHUB_KUAIDI100_SALT = SALT
    settings.ORDERHUB_SF_PUSH_TOKEN = SF_TOKEN


@pytest.fixture
def push(client, django_capture_on_commit_callbacks):
    """``push.k100(param)`` / ``push.sf(body)``: a push through the endpoint, effects run."""

    class Pusher:
        def k100(self, param: str, salt: str = SALT):
            with django_capture_on_commit_callbacks(execute=True):
                return client.post(K100_URL, urlencode(k100_form(param, salt)), content_type=FORM)

        def sf(self, body: str, token: str = SF_TOKEN):
            with django_capture_on_commit_callbacks(execute=True):
                return client.post(f"{SF_URL}?token={token}", body,
                                   content_type="application/json")

    return Pusher()


def _state(shipment: Shipment):
    shipment.refresh_from_db()
    order = shipment.orders.get()
    return shipment.status, order.status, shipment.events.count()


# --- Kuaidi100 ------------------------------------------------------------------------------------
def test_a_kuaidi100_push_moves_the_parcel_and_its_order(
    push, settings, django_capture_on_commit_callbacks
):
    shipment = labelled(django_capture_on_commit_callbacks)
    order = shipment.orders.get()

    answer = push.k100(k100_param(SF_NO, [HUB, COLLECTED], state="0"))

    assert (answer.status_code, answer.json()) == (200, K100_OK)
    assert _state(shipment) == (ShipmentStatus.IN_TRANSIT, Status.IN_TRANSIT, 3)
    assert shipment.trust == Trust.AGGREGATOR
    assert shipment.picked_up_at == dt.datetime(2026, 1, 28, 10, 2, 11, tzinfo=dt.UTC)
    # the order moved as the hub, the courier's line as the reason
    record = order.history.order_by("-history_id").first()
    assert record.history_user.username == settings.ORDERHUB_SYSTEM_USERNAME
    assert "深圳华南陆运枢纽" in record.history_change_reason
    [changed] = Event.objects.filter(kind=SHIPMENT_STATUS_CHANGED)
    assert changed.payload == {"shipment_id": shipment.pk, "carrier": "SF",
                               "tracking_no": SF_NO, "status": "in_transit",
                               "previous": "awaiting_pickup"}
    # the signature delivers it
    answer = push.k100(k100_param(SF_NO, [SIGNED, HUB, COLLECTED], state="3"))
    assert answer.json() == K100_OK
    assert _state(shipment) == (ShipmentStatus.DELIVERED, Status.DELIVERED, 4)
    assert CourierPush.objects.filter(outcome="applied").count() == 2


def test_the_same_push_twice_or_an_older_one_never_moves_back(
    push, django_capture_on_commit_callbacks
):
    shipment = labelled(django_capture_on_commit_callbacks)
    newest = k100_param(SF_NO, [SIGNED, HUB, COLLECTED], state="3")
    assert push.k100(newest).json() == K100_OK
    before = _state(shipment)
    events = Event.objects.count()

    assert push.k100(newest).json() == K100_OK  # again
    assert push.k100(k100_param(SF_NO, [HUB, COLLECTED], state="0")).json() == K100_OK  # older

    assert _state(shipment) == before == (ShipmentStatus.DELIVERED, Status.DELIVERED, 4)
    assert Event.objects.count() == events


@pytest.mark.parametrize(("form", "status", "words"), [
    ("wrong_sign", 403, "sign"),
    ("not_json", 400, "JSON"),
    ("no_number", 400, "nu"),
    ("unknown", 404, "SF9999999999999"),
    ("missing", 400, "param and sign"),
])
def test_a_bad_kuaidi100_push_is_refused_and_changes_nothing(
    client, form, status, words, django_capture_on_commit_callbacks
):
    shipment = labelled(django_capture_on_commit_callbacks)
    param = k100_param(SF_NO, [HUB, COLLECTED])
    body = {
        "wrong_sign": k100_form(param, salt="not-the-salt"),
        "not_json": k100_form("{not json"),
        "no_number": k100_form(param.replace(SF_NO, "")),
        "unknown": k100_form(k100_param("SF9999999999999", [HUB])),
        "missing": {"param": param},
    }[form]
    events = Event.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(K100_URL, urlencode(body), content_type=FORM)
    assert answer.status_code == status
    assert answer.json()["result"] is False and words in answer.json()["message"]
    assert _state(shipment) == (ShipmentStatus.AWAITING_PICKUP, Status.AWAITING_PICKUP, 1)
    assert Event.objects.count() == events
    stored = CourierPush.objects.get()
    assert stored.outcome == "refused" and words in stored.error
    assert stored.body  # kept raw, even when refused


def test_a_push_larger_than_the_limit_is_refused(client, settings):
    settings.ORDERHUB_COURIER_PUSH_MAX_BYTES = 200
    param = k100_param(SF_NO, [HUB, COLLECTED, SIGNED])
    answer = client.post(K100_URL, urlencode(k100_form(param)), content_type=FORM)
    assert answer.status_code == 413 and answer.json()["result"] is False
    stored = CourierPush.objects.get()
    assert stored.outcome == "refused" and len(stored.body.encode()) <= 200


# --- SF -----------------------------------------------------------------------------------------
def test_sf_route_pushes_are_the_couriers_own_word(push, django_capture_on_commit_callbacks):
    shipment = labelled(django_capture_on_commit_callbacks)
    answer = push.sf(sf_body(
        sf_route(SF_NO, "50", "顺丰速运 已收取快件", "2026-01-28 18:02:11"),
        sf_route(SF_NO, "30", "快件在【深圳华南陆运枢纽】完成分拣,准备发往下一站",
                 "2026-01-28 22:40:05", route_id="2")))
    assert (answer.status_code, answer.json()) == (200, SF_OK)
    assert _state(shipment) == (ShipmentStatus.IN_TRANSIT, Status.IN_TRANSIT, 3)
    assert shipment.trust == Trust.COURIER
    answer = push.sf(sf_body(sf_route(SF_NO, "80", "已签收,感谢使用顺丰", "2026-01-30 10:15:02",
                                      address="杭州市", route_id="3")))
    assert answer.json() == SF_OK
    assert _state(shipment) == (ShipmentStatus.DELIVERED, Status.DELIVERED, 4)


def test_a_bad_sf_push_is_refused_in_sfs_format(client, django_capture_on_commit_callbacks):
    shipment = labelled(django_capture_on_commit_callbacks)
    body = sf_body(sf_route(SF_NO, "50", "顺丰速运 已收取快件", "2026-01-28 18:02:11"))
    answer = client.post(f"{SF_URL}?token=wrong", body, content_type="application/json")
    assert answer.status_code == 403 and answer.json()["return_code"] == "1000"
    answer = client.post(f"{SF_URL}?token={SF_TOKEN}", '{"Body": {}}',
                         content_type="application/json")
    assert answer.status_code == 400 and "WaybillRoute" in answer.json()["return_msg"]
    answer = client.post(f"{SF_URL}?token={SF_TOKEN}", sf_body(sf_route(
        SF_NO, "50", "x", "28/01/2026")), content_type="application/json")
    assert answer.status_code == 400 and "acceptTime" in answer.json()["return_msg"] \
        or "time" in answer.json()["return_msg"]
    assert _state(shipment) == (ShipmentStatus.AWAITING_PICKUP, Status.AWAITING_PICKUP, 1)


def test_a_refusal_holds_the_order_alerts_and_tells_after_sales(
    push, django_capture_on_commit_callbacks
):
    shipment = labelled(django_capture_on_commit_callbacks)
    push.sf(sf_body(sf_route(SF_NO, "50", "顺丰速运 已收取快件", "2026-01-28 18:02:11")))
    answer = push.sf(sf_body(sf_route(SF_NO, "70", "派送不成功", "2026-01-30 10:15:02",
                                      reason="客户拒收", route_id="9")))
    assert answer.json() == SF_OK
    shipment.refresh_from_db()
    order = shipment.orders.get()
    assert shipment.status == ShipmentStatus.REFUSED
    assert order.on_hold and order.status == Status.IN_TRANSIT
    hold = Hold.objects.get(order=order, released_at=None)
    assert hold.source == Hold.Source.AFTERSALES and "拒收" in hold.reason
    assert Alert.objects.filter(kind="shipment_returned", order=order).count() == 1
    [returned] = Event.objects.filter(kind=SHIPMENT_RETURNED)
    assert returned.order_id == order.pk
    assert returned.payload | {"reason": ""} == {
        "shipment_id": shipment.pk, "carrier": "SF", "tracking_no": SF_NO,
        "status": "refused", "previous": "in_transit", "reason": ""}
    assert "拒收" in returned.payload["reason"]
    # a return to sender afterwards does not hold or alert twice
    push.sf(sf_body(sf_route(SF_NO, "648", "快件已退回", "2026-01-31 09:00:00", route_id="10")))
    assert Hold.objects.filter(order=order).count() == 1
    assert Event.objects.filter(kind=SHIPMENT_RETURNED).count() == 1


# --- trace alerts -------------------------------------------------------------------------------
def test_sorting_holds_and_failed_attempts_alert_as_they_arrive(
    push, django_capture_on_commit_callbacks
):
    shipment = labelled(django_capture_on_commit_callbacks)
    held = [k100_line(f"2026-01-29 0{h}:00:00", "快件滞留在【武汉转运中心】", "208", "湖北省武汉市")
            for h in (1, 5)]
    push.k100(k100_param(SF_NO, [held[0], COLLECTED]))
    assert not Alert.objects.filter(kind="shipment_sorting_hold").exists()
    push.k100(k100_param(SF_NO, [held[1], held[0], COLLECTED]))
    assert Alert.objects.filter(kind="shipment_sorting_hold").count() == 1
    failed = k100_line("2026-01-30 15:00:00", "派件异常,电话无人接听", "206", "浙江省杭州市")
    push.k100(k100_param(SF_NO, [failed, held[1], held[0], COLLECTED]))
    push.k100(k100_param(SF_NO, [failed, held[1], held[0], COLLECTED]))  # again: once
    assert Alert.objects.filter(kind="shipment_failed_attempt").count() == 1


def test_the_sweep_alerts_once_per_silence_and_honours_the_carriers_limit(
    db, django_capture_on_commit_callbacks
):
    silent = labelled(django_capture_on_commit_callbacks)
    fresh = labelled(django_capture_on_commit_callbacks, number="SF1234567890124")
    jd = labelled(django_capture_on_commit_callbacks, number="JDVA12345678901", carrier="JD")
    Shipment.objects.filter(pk__in=[silent.pk, jd.pk]).update(last_event_at=ago(49))
    Shipment.objects.filter(pk=fresh.pk).update(last_event_at=ago(47))
    jd.carrier.stale_hours = 72
    jd.carrier.save()

    assert stale_trace_sweep() == 1
    assert stale_trace_sweep() == 0  # the same silence alerts once
    [alert] = Alert.objects.filter(kind="shipment_stale")
    assert alert.order_id == silent.orders.get().pk and SF_NO in alert.title
    # a new movement, then a new silence, alerts again; delivered parcels are not watched
    Shipment.objects.filter(pk=silent.pk).update(last_event_at=ago(50))
    assert stale_trace_sweep(now=timezone.now() + dt.timedelta(minutes=30)) == 0
    Shipment.objects.filter(pk=silent.pk).update(last_event_at=ago(48.5))
    assert stale_trace_sweep() == 1
    Shipment.objects.filter(pk=fresh.pk).update(status=ShipmentStatus.DELIVERED,
                                                last_event_at=ago(100))
    assert stale_trace_sweep() == 0


def test_the_sweep_raises_in_batches_back_to_back_longest_silent_first(
    db, settings, django_capture_on_commit_callbacks
):
    # given five silent parcels and a batch of two
    settings.ORDERHUB_TRACE_SWEEP_BATCH = 2
    parcels = [labelled(django_capture_on_commit_callbacks, number=f"SF12345678901{n:02d}")
               for n in range(5)]
    for hours, parcel in zip((60, 90, 50, 70, 80), parcels):
        Shipment.objects.filter(pk=parcel.pk).update(last_event_at=ago(hours))
    # when one run sweeps, it takes the two silent longest
    assert stale_trace_sweep() == 2
    assert {a.data["shipment_id"] for a in Alert.objects.filter(kind="shipment_stale")} == {
        parcels[1].pk, parcels[4].pk}
    # and the task's sweep runs batch after batch until none waits
    assert stale_trace_sweep_until_done() == 3
    assert Alert.objects.filter(kind="shipment_stale").count() == 5
    assert stale_trace_sweep_until_done() == 0


# --- the subscription ---------------------------------------------------------------------------
def test_a_new_label_is_subscribed_with_kuaidi100(settings, django_capture_on_commit_callbacks):
    with FakeKuaidi100() as fake:
        settings.ORDERHUB_KUAIDI100_POLL_URL = f"{fake.base_url}/poll"
        settings.ORDERHUB_KUAIDI100_KEY = KEY
        settings.ORDERHUB_BASE_URL = "https://hub.example.com"
        shipment = labelled(django_capture_on_commit_callbacks)
        shipment.refresh_from_db()
        assert fake.problems == []
        [(path, form)] = fake.requests
        assert path == "/poll" and form["schema"] == "json"
        assert '"company":"shunfeng"' in form["param"] and f'"number":"{SF_NO}"' in form["param"]
        assert "https://hub.example.com/api/logistics/tracking/kuaidi100/" in form["param"]
        assert shipment.subscribed_at is not None
        # Kuaidi100 busy: tried again by the sweep; a refusal is kept for staff
        fake.next("busy")
        other = labelled(django_capture_on_commit_callbacks, number="SF1234567890124")
        other.refresh_from_db()
        assert other.subscribed_at is None and other.subscribe_attempts == 1
        assert subscriptions_send() == {"subscribed": 1, "refused": 0, "later": 0}
        settings.ORDERHUB_KUAIDI100_KEY = "expired"
        third = labelled(django_capture_on_commit_callbacks, number="SF1234567890125")
        third.refresh_from_db()
        assert third.subscribed_at is None and "601" in third.subscribe_error


# --- demo data ----------------------------------------------------------------------------------
def test_demo_parcels_get_real_looking_traces_once(db, django_capture_on_commit_callbacks):
    # given 99 orders handed over in the last five days and one delivered
    now = timezone.now()
    orders = [OrderFactory(status=Status.IN_TRANSIT, carrier="SF",
                           tracking_no=f"SF123456789{n:04d}",
                           state_entered_at=now - dt.timedelta(hours=2 + n * 1.2))
              for n in range(99)]
    OrderFactory(status=Status.DELIVERED, carrier="中通", tracking_no="78123456789012",
                 state_entered_at=now - dt.timedelta(days=5))
    # when the demo's traces are written
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo_tracking", seed=1, stdout=io.StringIO())
    # then every parcel has a trace after its hand-over and before now
    assert Shipment.objects.count() == 100
    traced = ShipmentEvent.objects.filter(source="kuaidi100")
    assert traced.filter(kind="collected").count() == 100
    assert not traced.filter(at__gt=timezone.now()).exists()
    for order in orders:
        first = order.shipments.get().events.filter(source="kuaidi100").order_by("at").first()
        assert first.at >= order.state_entered_at
    # most moving or delivered, a realistic handful silent (2%), refused (1%) or held (1%)
    assert traced.filter(kind="signed").count() >= 20
    assert Shipment.objects.filter(status=ShipmentStatus.REFUSED).count() == 1
    assert Shipment.objects.filter(sorting_holds=2).count() == 1
    assert stale_trace_sweep() == 2
    # and a second run adds nothing
    count = ShipmentEvent.objects.count()
    call_command("seed_demo_tracking", seed=1, stdout=io.StringIO())
    assert ShipmentEvent.objects.count() == count
    assert {o.shipments.count() for o in orders} == {1}
