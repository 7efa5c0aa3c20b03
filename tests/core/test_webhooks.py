"""Webhooks to integrators (orderhub/webhooks) against real local HTTP receivers: signed
deliveries, retries with backoff, in order per order, a slow or dead endpoint holding up
nothing else, the switch-off and the address check."""
from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone, translation

from orderhub.core.errors import PermissionRefused
from orderhub.core.texts import is_encoded, render
from orderhub.events.dispatch import events_dispatch
from orderhub.events.models import Event, EventTask
from orderhub.events.services import event_record
from orderhub.webhooks import sender
from orderhub.webhooks.addresses import UrlRefused, url_target
from orderhub.webhooks.fanout import deliveries_fan_out
from orderhub.webhooks.models import Delivery, DeliveryAttempt, Subscription
from orderhub.webhooks.sender import LANES, backoff, webhooks_send
from orderhub.webhooks.services import (
    deliveries_purge,
    deliveries_retry,
    subscription_delete,
    subscription_enable,
    subscription_ping,
)
from orderhub.webhooks.transport import Answer
from orderhub.alerts.models import Alert
from orders.state_machine import Status as OrderStatus
from tests.core.conftest import SECRET
from tests.core.webhook_receiver import Reply, closed_port_url
from tests.factories import OrderFactory, OrderLineFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = Delivery.DeliveryStatus
MOVED = {"from": "paid", "to": "picking", "move": "start_picking"}


def moved(order, step: int = 1):
    return ("order.status_changed", order, {**MOVED, "step": step})


def transport_answer(status: int) -> Answer:
    return Answer(status, "ok", "", 3, "127.0.0.1")


def due_now(*deliveries: Delivery) -> None:
    """The backoff has passed (the sweep of a minute later would send them)."""
    ids = [d.pk for d in deliveries] or Delivery.objects.values_list("pk", flat=True)
    Delivery.objects.filter(pk__in=ids, status=Status.PENDING).update(
        next_attempt_at=timezone.now())


# --- a delivery, signed -------------------------------------------------------------------------
def test_a_delivery_is_signed_and_carries_the_order_as_the_api_shows_it(
    receiver, subscribe, record, token_client, settings
):
    # given an integrator subscribed to status changes, and an order with a line; the hub's
    # public address set (a delivery has no request to take the buyer's link's host from)
    settings.ORDERHUB_BASE_URL = "https://hub.example.com"
    hook = receiver()
    subscription = subscribe(hook.url, "order.status_changed")
    order = OrderFactory(status=OrderStatus.PICKING)
    OrderLineFactory(order=order)

    # when the order's status change is recorded and committed
    record([moved(order)])

    # then the receiver got one POST, signed with the shared function, with the headers
    [request] = hook.requests
    delivery = Delivery.objects.get()
    assert request.verified
    assert request.path == "/hooks/orderhub"
    assert request.headers["X-Hub-Event"] == "order.status_changed"
    assert request.headers["X-Hub-Delivery"] == str(delivery.pk)
    assert request.headers["User-Agent"].startswith("OrderHub-Webhooks/")
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert abs(int(request.headers["X-Hub-Timestamp"]) - time.time()) < 10
    # and the body: the event's id, type, time (+08:00), the order and what changed
    body = request.json
    assert body["id"] == f"evt_{delivery.event_id}"
    assert body["type"] == "order.status_changed"
    assert body["occurred_at"].endswith("+08:00")
    assert body["data"]["object_type"] == "order"
    assert body["data"]["details"] == {**MOVED, "step": 1}
    # the order's JSON is the API's, without history and permitted_transitions
    api = token_client("manager").get(f"/api/orders/{order.hub_no}/").json()
    del api["history"], api["permitted_transitions"]
    assert body["data"]["object"] == api
    assert body["data"]["object"]["lines"][0]["sku"] == order.lines.get().sku
    # and the delivery is sent, its one attempt recorded with the answer
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.SENT, 1,
                                                                               200)
    assert delivery.body.encode() == request.body
    [attempt] = DeliveryAttempt.objects.all()
    assert (attempt.number, attempt.status_code, attempt.response_excerpt, attempt.error,
            attempt.address) == (1, 200, "ok", "", "127.0.0.1")
    subscription.refresh_from_db()
    assert subscription.last_success_at is not None and subscription.consecutive_failures == 0


def test_a_receiver_that_fails_twice_then_accepts_gets_three_attempts_of_the_same_event(
    receiver, subscribe, record
):
    # given a receiver that answers 500, then 503, then 200
    hook = receiver()
    hook.answer((500, "boom one"), (503, "boom two"), (200, "thanks"))
    subscription = subscribe(hook.url)
    order = OrderFactory()

    # when the event is recorded: the first attempt fails and is retried after the backoff
    started = timezone.now()
    record([("order.created", order, {"status": "pending_payment"})])
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 1)
    assert delivery.next_attempt_at >= started + backoff(1)
    assert webhooks_send().sent == 0  # not due yet: nothing is sent before the backoff

    # and the retries come due (the sweep sends them)
    due_now(delivery)
    webhooks_send()
    delivery.refresh_from_db()
    assert delivery.next_attempt_at >= timezone.now() + backoff(2) - dt.timedelta(seconds=5)
    due_now(delivery)
    report = webhooks_send()

    # then it is sent at the third attempt; each attempt is visible with its answer
    delivery.refresh_from_db()
    assert (report.sent, delivery.status, delivery.attempts) == (1, Status.SENT, 3)
    attempts = list(delivery.attempt_log.order_by("number"))
    assert [(a.number, a.status_code, a.response_excerpt, a.error) for a in attempts] == [
        (1, 500, "boom one", "HTTP 500"), (2, 503, "boom two", "HTTP 503"), (3, 200, "thanks", "")]
    # and the receiver saw the same body, the same id and delivery each time, each signed
    assert len(hook.requests) == 3
    assert {r.body for r in hook.requests} == {delivery.body.encode()}
    assert {r.json["id"] for r in hook.requests} == {f"evt_{delivery.event_id}"}
    assert {r.headers["X-Hub-Delivery"] for r in hook.requests} == {str(delivery.pk)}
    assert all(r.verified for r in hook.requests)
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0 and subscription.failing_since is None


# --- in order per order -------------------------------------------------------------------------
def test_one_orders_events_arrive_in_order_while_other_orders_go_ahead(
    receiver, subscribe, record
):
    # given a receiver that fails its first request
    hook = receiver()
    hook.answer((500, "not now"))
    subscribe(hook.url)
    first, other = OrderFactory(), OrderFactory()

    # when two events of one order are recorded (the first one fails), and one of another
    record([moved(first, 1), moved(first, 2)])
    record([moved(other, 1)])

    # then the second event of the first order waited; the other order went ahead
    assert [(r.json["data"]["object"]["hub_no"], r.json["data"]["details"]["step"])
            for r in hook.requests] == [(first.hub_no, 1), (other.hub_no, 1)]
    one, two = Delivery.objects.filter(order_id=first.pk).order_by("id")
    assert (one.status, one.attempts, two.status, two.attempts) == (
        Status.PENDING, 1, Status.PENDING, 0)
    # even when it is due itself, it waits behind the first one's backoff
    due_now(two)
    assert webhooks_send().sent == 0

    # and once the first one's backoff passes, both go, in order
    due_now(one)
    webhooks_send()
    steps = [(r.json["data"]["object"]["hub_no"], r.json["data"]["details"]["step"])
             for r in hook.requests]
    assert steps == [(first.hub_no, 1), (other.hub_no, 1), (first.hub_no, 1), (first.hub_no, 2)]
    assert set(Delivery.objects.values_list("status", flat=True)) == {Status.SENT}


def test_once_a_delivery_gives_up_the_orders_later_events_go_ahead(
    receiver, subscribe, record, settings
):
    # given deliveries that give up at their first failure, and a receiver that refuses one
    # (a 4xx: this delivery's problem, not the endpoint's)
    settings.ORDERHUB_WEBHOOKS_MAX_ATTEMPTS = 1
    hook = receiver()
    hook.answer((422, "cannot take this one"))
    subscribe(hook.url)
    order = OrderFactory()

    # when two events of the order are recorded
    record([moved(order, 1), moved(order, 2)])
    webhooks_send()  # the second waited behind the first in the first run

    # then the first gave up and the second was sent after it, never before
    one, two = Delivery.objects.order_by("id")
    assert (one.status, two.status) == (Status.FAILED, Status.SENT)
    assert [r.json["data"]["details"]["step"] for r in hook.requests] == [1, 2]


# --- a slow or dead endpoint holds nothing up --------------------------------------------------
def test_a_slow_receiver_never_blocks_recording_events_or_other_subscriptions(
    receiver, subscribe, committed, settings
):
    # given a receiver that takes 3 s to answer (the hub waits 1 s) and a quick one
    settings.ORDERHUB_WEBHOOKS_TIMEOUT = 1.0
    slow, quick = receiver(), receiver()
    slow.answer(Reply(200, "late", delay=3.0))
    subscribe(slow.url)
    subscribe(quick.url)
    order = OrderFactory()

    # when an event is recorded: the change's transaction makes no network call
    with committed():
        started = time.monotonic()
        event_record("order.created", order_id=order.pk, payload={"status": "pending_payment"})
        assert time.monotonic() - started < 0.5
        assert not slow.requests and not quick.requests
        sending = time.monotonic()
    # and after commit the deliveries are sent side by side
    took = time.monotonic() - sending

    # then the quick receiver had it long before the slow one's timeout ran out
    [fast] = quick.requests
    assert fast.at - sending < 1.0
    assert took < 3.0
    late = Delivery.objects.get(subscription__url=slow.url)
    [attempt] = late.attempt_log.all()
    assert attempt.status_code is None and "within 1 s" in attempt.error
    assert late.status == Status.PENDING and Delivery.objects.get(
        subscription__url=quick.url).status == Status.SENT


def test_a_dead_endpoint_costs_one_try_per_backoff_step_not_one_per_delivery(
    receiver, subscribe, record
):
    # given an endpoint where nothing listens, and a working one
    receiver()  # allows local addresses
    dead = subscribe(closed_port_url())
    quick = receiver()
    subscribe(quick.url)
    orders = OrderFactory.create_batch(12)

    # when twelve orders' events are recorded
    record([moved(order) for order in orders])

    # then the working endpoint got all of them
    assert len(quick.requests) == 12
    # and the dead one was tried by at most one request per lane; the others wait for the
    # failed one's next attempt without an attempt counted
    tried = Delivery.objects.filter(subscription=dead, attempts=1)
    waiting = Delivery.objects.filter(subscription=dead, attempts=0)
    assert 1 <= tried.count() <= LANES and tried.count() + waiting.count() == 12
    assert "cannot connect" in tried.first().attempt_log.get().error
    retry_at = min(d.next_attempt_at for d in tried)
    assert all(d.next_attempt_at >= retry_at for d in waiting)
    assert retry_at > timezone.now() + dt.timedelta(seconds=30)
    dead.refresh_from_db()
    assert dead.consecutive_failures == tried.count() and dead.is_active


def test_an_endpoint_failing_for_a_day_is_switched_off_alerted_and_re_enabled_by_staff(
    receiver, subscribe, record, make_user
):
    # given an endpoint that has failed 9 times in a row for 25 hours
    receiver()
    subscription = subscribe(closed_port_url())
    Subscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=9, failing_since=timezone.now() - dt.timedelta(hours=25))
    order = OrderFactory()

    # when its next attempt fails too
    record([moved(order, 1)])

    # then it is switched off, with the reason, and operations are alerted
    subscription.refresh_from_db()
    assert not subscription.is_active and subscription.disabled_at is not None
    assert is_encoded(subscription.disabled_reason)
    with translation.override("en"):
        assert "No attempt has succeeded for 25 h (10 failed in a row)" in \
            render(subscription.disabled_reason)
    with translation.override("zh-hans"):
        assert "25 小时内没有一次推送成功（连续失败 10 次）" in render(subscription.disabled_reason)
    alert = Alert.objects.get(kind="webhook_disabled")
    assert alert.team == "operations" and subscription.url in render(alert.title)
    assert is_encoded(alert.title) and is_encoded(alert.message)
    with translation.override("en"):
        assert "re-enable" in render(alert.message)
    with translation.override("zh-hans"):
        assert render(alert.title).endswith(f"的 Webhook 接收地址已停用：{subscription.url}")
        assert "重新启用" in render(alert.message)
    owed = Delivery.objects.get()
    assert owed.status == Status.PENDING and owed.next_attempt_at is None
    # and it gets no new deliveries, nor do events for it even make a task
    record([moved(order, 2)])
    assert Delivery.objects.count() == 1
    assert not EventTask.objects.filter(handler="webhooks.fan_out", event__payload__step=2)

    # when the receiver works again and operations re-enable it
    hook = receiver()
    Subscription.objects.filter(pk=subscription.pk).update(url=hook.url)
    with pytest.raises(PermissionRefused):
        subscription_enable(subscription=subscription, actor=make_user("customer_service"))
    assert subscription_enable(subscription=subscription, actor=make_user("operations"))
    webhooks_send()

    # then what it was owed is delivered, and it is healthy again
    assert [r.json["data"]["details"]["step"] for r in hook.requests] == [1]
    subscription.refresh_from_db()
    assert subscription.is_active and subscription.consecutive_failures == 0


def test_staff_retry_a_given_up_delivery_once_more(receiver, subscribe, record, settings,
                                                   make_user):
    settings.ORDERHUB_WEBHOOKS_MAX_ATTEMPTS = 2
    hook = receiver()
    hook.answer((500, "a"), (500, "b"), (502, "c"))
    subscribe(hook.url)
    record([moved(OrderFactory())])
    due_now()
    webhooks_send()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 2)

    # a customer-service user may not retry; a manager may: one more attempt
    with pytest.raises(PermissionRefused):
        deliveries_retry(delivery_ids=[delivery.pk], actor=make_user("customer_service"))
    assert deliveries_retry(delivery_ids=[delivery.pk], actor=make_user("manager")) == 1
    webhooks_send()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 3)  # failed again: gave up
    assert deliveries_retry(delivery_ids=[delivery.pk], actor=None) == 1
    webhooks_send()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.SENT, 4)
    assert [a.status_code for a in delivery.attempt_log.order_by("number")] == [500, 500, 502,
                                                                                 200]


def test_a_test_ping_is_signed_and_tried_once(receiver, subscribe, make_user, committed):
    hook = receiver()
    subscription = subscribe(hook.url)
    with committed():
        subscription_ping(subscription=subscription, actor=make_user("manager"))
    [request] = hook.requests
    assert request.verified and request.json["type"] == "ping"
    assert request.json["id"].startswith("ping_") and request.json["data"]["object"] is None
    # a ping to an endpoint that fails is tried once, then given up
    hook.answer((404, "no such hook"))
    with committed():
        ping = subscription_ping(subscription=subscription, actor=None)
    ping.refresh_from_db()
    assert (ping.status, ping.attempts, ping.last_status_code) == (Status.FAILED, 1, 404)


def test_a_sender_that_dies_after_claiming_loses_nothing(receiver, subscribe):
    hook = receiver()
    subscription = subscribe(hook.url)
    # an event fanned out, its send task not run (on_commit never fires in this test)
    event_record("order.created", order_id=OrderFactory().pk, payload={})
    events_dispatch()
    # given a sender that claimed the delivery and died before sending it
    [claimed] = sender._claim(now=timezone.now(), limit=10, skip=set())
    # then nobody sends it during the lease
    assert webhooks_send().sent == 0 and not hook.requests
    # and after the lease it is sent, its lost attempt counted
    Delivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert webhooks_send().sent == 1
    delivery = Delivery.objects.get(subscription=subscription)
    assert (delivery.status, delivery.attempts, claimed.pk) == (Status.SENT, 2, delivery.pk)
    assert [a.number for a in delivery.attempt_log.all()] == [2]


def test_redirects_are_not_followed(receiver, subscribe, record):
    hook = receiver()
    hook.answer(Reply(302, "moved", headers=(("Location", "http://169.254.169.254/"),)))
    subscribe(hook.url)
    record([moved(OrderFactory())])
    [attempt] = DeliveryAttempt.objects.all()
    assert attempt.status_code == 302
    assert "redirect to http://169.254.169.254/ not followed" in attempt.error
    assert len(hook.requests) == 1 and Delivery.objects.get().status == Status.PENDING


# --- the fan-out --------------------------------------------------------------------------------
def test_no_task_is_written_for_events_nobody_subscribed_to(receiver, subscribe, record):
    order = OrderFactory()
    record([("order.held", order, {"hold_id": 1, "source": "address", "reason": "x"})])
    assert not EventTask.objects.filter(handler="webhooks.fan_out").exists()
    # a subscription to other types changes nothing for this one
    subscribe(receiver().url, "order.created")
    record([("order.held", order, {"hold_id": 2, "source": "address", "reason": "x"})])
    assert not EventTask.objects.filter(handler="webhooks.fan_out").exists()
    assert not Delivery.objects.exists()


def test_only_owners_who_may_read_orders_receive_them(receiver, subscribe, record, make_user):
    # given three subscribers: an integrator, a user who may subscribe but not read orders,
    # and an integrator whose account was switched off
    hook = receiver()
    subscribe(hook.url)
    no_orders = UserFactory(username="blind")
    no_orders.user_permissions.add(Permission.objects.get(codename="add_subscription"))
    subscribe(hook.url, owner=no_orders)
    gone = make_user("integrator", username="gone")
    subscribe(hook.url, owner=gone)
    gone.is_active = False
    gone.save()

    record([moved(OrderFactory())])

    # then only the integrator's subscription got a delivery
    assert list(Delivery.objects.values_list("subscription__owner__username", flat=True)) == [
        "erp"]


@pytest.mark.parametrize("events", [2, 20])
def test_the_fan_out_of_a_batch_costs_the_same_queries_however_large(
    receiver, subscribe, django_assert_num_queries, events
):
    hook = receiver()
    subscribe(hook.url)
    subscribe(hook.url, "order.status_changed")
    orders = OrderFactory.create_batch(events)
    batch = [Event.objects.create(kind="order.status_changed", order_id=o.pk, payload=MOVED)
             for o in orders]
    # subscriptions, owners who may read orders, the orders' JSON (orders, lines, gifts,
    # holds, the parcels logistics adds, the return-risk scores after-sales adds), the insert
    with django_assert_num_queries(9):
        written = deliveries_fan_out(events=batch)
    assert written == 2 * events


def test_a_deleted_order_is_delivered_as_null(receiver, subscribe):
    subscribe(receiver().url)
    event = Event.objects.create(kind="order.created", order_id=987654, payload={})
    deliveries_fan_out(events=[event])
    body = json.loads(Delivery.objects.get().body)
    assert body["data"] == {"object_type": "order", "object": None, "details": {}}


# --- where the hub may post ---------------------------------------------------------------------
@pytest.mark.parametrize(("url", "kind"), [
    ("http://127.0.0.1/hook", "a loopback address"),
    ("http://localhost:8080/hook", "a loopback address"),
    ("http://[::1]/hook", "a loopback address"),
    ("http://10.1.2.3/hook", "a private address"),
    ("http://192.168.0.10/hook", "a private address"),
    ("http://169.254.169.254/latest/meta-data/", "a link-local address"),
    ("http://100.64.0.7/hook", "a shared (carrier-grade NAT) address"),
    ("http://[::ffff:127.0.0.1]/hook", "a loopback address"),
    ("http://[::ffff:10.0.0.1]/hook", "a private address"),
    ("http://0.0.0.0/hook", "an unspecified address"),
    ("http://224.0.0.1/hook", "a multicast address"),
    ("http://240.0.0.1/hook", "a reserved address"),
    ("http://2130706433/hook", "a loopback address"),  # 127.0.0.1 in disguise
    ("http://[fd00::1]/hook", "a private address"),
])
def test_private_and_internal_addresses_are_refused(url, kind, settings):
    settings.ORDERHUB_WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(UrlRefused) as refused:
        url_target(url)
    assert kind in refused.value.message
    assert "calls only public addresses" in refused.value.message
    assert refused.value.extra == {"errors": {"url": [refused.value.message]}}


@pytest.mark.parametrize(("url", "says"), [
    ("ftp://93.184.216.34/hook", "Only http and https"),
    ("file:///etc/passwd", "Only http and https"),
    ("gopher://93.184.216.34:70/", "Only http and https"),
    ("https:///nohost", "names no host"),
    ("https://user:pw@93.184.216.34/hook", "no user name or password"),
    ("https://93.184.216.34:99999/hook", "not a valid URL"),
    ("https://no-such-host.invalid/hook", "cannot be resolved"),
])
def test_other_unusable_urls_are_refused_with_a_reason(url, says):
    with pytest.raises(UrlRefused, match=says):
        url_target(url)


def test_a_public_url_passes_and_private_ones_pass_when_allowed(settings, fake_dns):
    fake_dns["hooks.erp.example"] = ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]
    target = url_target("HTTPS://hooks.erp.example/in?x=1")
    assert (target.scheme, target.host, target.port, target.path, target.addresses) == (
        "https", "hooks.erp.example", 443, "/in?x=1",
        ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"))
    # one private address among public ones is enough to refuse
    fake_dns["mixed.erp.example"] = ["93.184.216.34", "10.0.0.8"]
    with pytest.raises(UrlRefused, match="10.0.0.8, a private address"):
        url_target("https://mixed.erp.example/")
    settings.ORDERHUB_WEBHOOKS_ALLOW_PRIVATE = True
    assert url_target("http://localhost:8080/").addresses[0] in ("127.0.0.1", "::1")


def test_the_address_is_checked_again_when_sending_and_the_checked_one_is_used(
    receiver, subscribe, record, settings, fake_dns
):
    # given a subscription to a name that resolved to a public address when it was made
    hook = receiver()
    settings.ORDERHUB_WEBHOOKS_ALLOW_PRIVATE = False
    fake_dns["hooks.erp.example"] = ["93.184.216.34"]
    subscribe(f"http://hooks.erp.example:{hook.port}/in")

    # when the name resolves to the hub's own loopback by the time of sending (DNS rebinding)
    fake_dns["hooks.erp.example"] = ["127.0.0.1"]
    record([moved(OrderFactory())])

    # then nothing is sent there: the attempt says why
    assert not hook.requests
    [attempt] = DeliveryAttempt.objects.all()
    assert attempt.error.startswith("refused: The host hooks.erp.example resolves to "
                                    "127.0.0.1, a loopback address")
    # and where private addresses are allowed, the request goes to the address that was
    # checked, naming the host
    settings.ORDERHUB_WEBHOOKS_ALLOW_PRIVATE = True
    due_now()
    webhooks_send()
    [request] = hook.requests
    assert request.headers["Host"] == f"hooks.erp.example:{hook.port}"
    assert DeliveryAttempt.objects.order_by("id").last().address == "127.0.0.1"


def test_old_deliveries_are_purged_with_their_attempts(receiver, subscribe, record):
    subscribe(receiver().url)
    record([moved(OrderFactory())])
    Delivery.objects.update(created_at=timezone.now() - dt.timedelta(days=20))
    record([moved(OrderFactory())])
    assert deliveries_purge(keep_days=14) == 1
    assert Delivery.objects.count() == 1 and DeliveryAttempt.objects.count() == 1


def test_a_type_no_app_renders_yet_is_not_delivered(receiver, subscribe):
    # given a subscription to shipment updates, whose app registers no renderer yet
    subscribe(receiver().url, "shipment.updated")
    event = Event.objects.create(kind="shipment.updated", order_id=OrderFactory().pk)
    # then its events are not delivered (the object is part of the contract)
    assert deliveries_fan_out(events=[event]) == 0


def test_a_delivery_unsubscribed_while_being_sent_is_not_recorded(receiver, subscribe):
    # given a delivery claimed by a sender (its send task not run: no commit in this test),
    # then its subscription removed meanwhile
    subscription = subscribe(receiver().url)
    event_record("order.created", order_id=OrderFactory().pk, payload={})
    events_dispatch()
    [claimed] = sender._claim(now=timezone.now(), limit=10, skip=set())
    subscription_delete(subscription=subscription, actor=None)
    # when the sender records what the receiver answered
    report = sender.SendReport()
    sender._record(sender._Outcome(sender._Job.of(claimed, 1), timezone.now(),
                                   answer=transport_answer(200)), report)
    # then nothing is left to record it on, and nothing breaks
    assert not DeliveryAttempt.objects.exists() and report.sent == 0
