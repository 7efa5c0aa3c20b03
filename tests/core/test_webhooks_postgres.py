"""Webhooks on PostgreSQL, for real: concurrent senders (SKIP LOCKED) deliver each event once
and one order's events in order; and a real ``manage.py qcluster`` takes an event from commit
to a local receiver (the inline tasks of the other tests hide every failure of the worker).
"""
from __future__ import annotations

import json
import time
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from django_q.conf import Conf

from orderhub.events.services import event_record
from orderhub.webhooks.models import Delivery
from orderhub.webhooks.sender import webhooks_send
from orderhub.webhooks.services import subscription_create
from tests.conftest import requires_postgres, run_together
from tests.core.conftest import SECRET
from tests.core.webhook_receiver import Reply
from tests.factories import OrderFactory
from tests.test_worker import qcluster  # noqa: F401 - the real worker, as production runs it

pytestmark = [requires_postgres("SKIP LOCKED, a real qcluster"),
              pytest.mark.django_db(transaction=True)]
Status = Delivery.DeliveryStatus


def test_concurrent_senders_deliver_each_event_once_and_in_order_per_order(
    receiver, integrator
):
    # given 40 orders with 3 events each, owed to one slowish receiver, interleaved
    hook = receiver()
    hook.answer(*[Reply(200, "ok", delay=0.005)] * 120)
    subscription, _secret = subscription_create(owner=integrator, url=hook.url,
                                                events=["order.status_changed"], secret=SECRET,
                                                actor=None)
    Delivery.objects.bulk_create([
        Delivery(subscription=subscription, event_id=step * 1000 + order, order_id=order,
                 event_type="order.status_changed",
                 body=json.dumps({"order": order, "step": step}))
        for step in (1, 2, 3) for order in range(1, 41)
    ])

    # when four senders run at once, in small claims
    errors = run_together(lambda: [webhooks_send(limit=15, max_seconds=20) for _ in range(10)])

    # then every event arrived once, each order's in order, each delivery sent at one attempt
    assert errors == []
    arrived = [(r.json["order"], r.json["step"]) for r in hook.requests]
    assert len(arrived) == 120 and set(Counter(arrived).values()) == {1}
    steps: dict[int, list[int]] = defaultdict(list)
    for order, step in arrived:
        steps[order].append(step)
    assert all(seen == [1, 2, 3] for seen in steps.values()), steps
    assert set(Delivery.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}
    assert all(r.verified for r in hook.requests)


@pytest.fixture
def private_receivers_allowed(monkeypatch):
    """The worker started next may post to the local receiver (it reads the environment)."""
    monkeypatch.setenv("ORDERHUB_WEBHOOKS_ALLOW_PRIVATE", "1")


def test_a_real_qcluster_delivers_an_event_after_commit(
    private_receivers_allowed, receiver, integrator, qcluster, monkeypatch
):
    # given a subscription, a real worker, and tasks that go to its broker (not inline)
    monkeypatch.setattr(Conf, "SYNC", False)
    hook = receiver()
    subscription_create(owner=integrator, url=hook.url, events=["order.status_changed"],
                        secret=SECRET, actor=None)
    order = OrderFactory()

    # when a change commits with its event
    with transaction.atomic():
        event_record("order.status_changed", order_id=order.pk,
                     payload={"from": "paid", "to": "picking", "move": "start_picking"})
    committed = time.monotonic()

    # then the worker dispatches, fans out and sends it (on its sender thread), signed
    qcluster.wait_for("delivery", lambda: bool(hook.requests), seconds=60)
    [request] = hook.requests
    assert request.verified and request.json["data"]["object"]["hub_no"] == order.hub_no
    assert request.at - committed < 30  # a smoke test; bench/webhooks.py measures latency
    qcluster.wait_for("sent delivery",
                      lambda: Delivery.objects.get().status == Status.SENT, seconds=10)
