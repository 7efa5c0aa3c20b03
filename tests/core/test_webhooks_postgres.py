"""Webhooks on PostgreSQL, for real: concurrent senders (SKIP LOCKED) deliver each event once
and one order's events in order; and a real ``manage.py qcluster`` takes an event from commit
to a local receiver (the inline tasks of the other tests hide every failure of the worker).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.db import connection, transaction
from django_q.conf import Conf

from orderhub.events.services import event_record
from orderhub.webhooks.models import Delivery
from orderhub.webhooks.sender import webhooks_send
from orderhub.webhooks.services import subscription_create
from tests.conftest import requires_postgres, run_together
from tests.core.conftest import SECRET
from tests.core.webhook_receiver import Reply
from tests.factories import OrderFactory

pytestmark = [requires_postgres(), pytest.mark.django_db(transaction=True)]
REPO = Path(__file__).resolve().parents[2]
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
def qcluster(settings, monkeypatch):
    """A real ``manage.py qcluster`` on the test database (DB_POOL=0: django-q2's forked
    workers must not share pooled connections, PITFALLS.md), and this process queueing its
    tasks on the broker instead of running them inline."""
    database = connection.settings_dict
    url = (f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST']}:"
           f"{database['PORT'] or 5432}/{database['NAME']}")
    env = {**os.environ, "DATABASE_URL": url, "DB_POOL": "0", "Q_SYNC": "0", "Q_WORKERS": "2",
           "ORDERHUB_WEBHOOKS_ALLOW_PRIVATE": "1", "DJANGO_SETTINGS_MODULE": "orderhub.settings"}
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=REPO, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    monkeypatch.setattr(Conf, "SYNC", False)
    yield worker
    worker.send_signal(signal.SIGTERM)  # qcluster stops its own workers
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


def test_a_real_qcluster_delivers_an_event_after_commit(receiver, integrator, qcluster):
    # given a subscription and a real worker
    hook = receiver()
    subscription_create(owner=integrator, url=hook.url, events=["order.status_changed"],
                        secret=SECRET, actor=None)
    order = OrderFactory()

    # when a change commits with its event
    with transaction.atomic():
        event_record("order.status_changed", order_id=order.pk,
                     payload={"from": "paid", "to": "picking", "move": "start_picking"})
    committed = time.monotonic()

    # then the worker dispatches, fans out and sends it, signed, within seconds
    while not hook.requests and time.monotonic() - committed < 60:
        assert qcluster.poll() is None, qcluster.stderr.read().decode()[-2000:]
        time.sleep(0.05)
    [request] = hook.requests
    assert request.verified and request.json["data"]["object"]["hub_no"] == order.hub_no
    assert request.at - committed < 30  # a smoke test; bench/webhooks.py measures latency
    deadline = time.monotonic() + 10
    while Delivery.objects.get().status != Status.SENT and time.monotonic() < deadline:
        time.sleep(0.05)
    assert Delivery.objects.get().status == Status.SENT
