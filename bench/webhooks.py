"""Webhook latency benchmark (DESIGN.md section 6): an event out to an integrator within 1 s
(p99) of the change's commit, through a real worker.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderhub_bench \\
        .venv/bin/python -m bench.webhooks [--rate 20] [--seconds 30] [--workers 2]

Uses a database of its own, ``<name>_webhooks`` beside the one given (created if missing,
migrated, its order, event, webhook and task-queue tables emptied; the name must contain
"bench"). Starts a real ``manage.py qcluster`` on it as production starts it (django-q2's
ORM broker, ``--workers`` workers, each process with a connection of its own and no pool,
``orderhub/settings.py``) and a local HTTP receiver subscribed to order events (so
``ORDERHUB_WEBHOOKS_ALLOW_PRIVATE=1`` for the worker). Then orders move at a steady rate
(``--rate`` per second for ``--seconds``): each move is one transaction through the order
service (in transit → delivered, a move no other app acts on, so that what is measured is the
webhook's path), which records its ``order.status_changed`` event. Measured: from the commit to the receiver having the event, through the whole path (the
dispatch task, the fan-out handler rendering the order, the worker's sender thread, the signed
POST). Target: p99 ≤ 1 s.

References measured in the same run, at the same rate, on the same worker and receiver:
- one django-q2 hop: a task queued right after a commit POSTs to the receiver (the hub's path
  is this hop plus the fan-out and the sender's claim and record);
- the floor: the benchmark POSTs right after the commit itself.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.common import (
    REPO_ROOT,
    fail,
    percentile,
    post_json,
    prepare_own_database,
    setup_django_on_own_database,
)

SUFFIX = "_webhooks"
SUGGESTED = "postgres://postgres@127.0.0.1:5432/orderhub_bench_webhooks"
SECRET = "bench-webhooks-secret-0123456789"
TARGET_P99_MS = 1000.0
WARMUP = 10


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20.0, help="order moves per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long orders move")
    parser.add_argument("--workers", type=int, default=2, help="django-q2 workers")
    parser.add_argument("--reference", type=int, default=200,
                        help="samples of each reference path")
    return parser.parse_args()


# --- the receiver -------------------------------------------------------------------------------
class Receiver:
    """A local HTTP server that notes when each body arrived (``time.monotonic()``)."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, bytes, dict[str, str]]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.arrivals.append((time.monotonic(), body, dict(self.headers)))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format, *args) -> None:  # noqa: A002 - quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/orderhub"

    def arrived(self, key: Callable[[dict], object | None]) -> dict[object, float]:
        """When each body arrived, by ``key(body)`` (``None``: not one of these)."""
        with self.lock:
            arrivals = list(self.arrivals)
        found: dict[object, float] = {}
        for at, body, _headers in arrivals:
            name = key(json.loads(body))
            if name is not None:
                found.setdefault(name, at)
        return found


# --- the worker ---------------------------------------------------------------------------------
def start_worker(url: str, workers: int, log_path: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "Q_SYNC": "0",
           "Q_WORKERS": str(workers), "ORDERHUB_WEBHOOKS_ALLOW_PRIVATE": "1",
           "DJANGO_SETTINGS_MODULE": "orderhub.settings"}
    with open(log_path, "w") as log:
        return subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=REPO_ROOT,
                                env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


def stop_worker(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGTERM)  # qcluster stops its own workers
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


# --- preparing ----------------------------------------------------------------------------------
def reset() -> None:
    """Empty the tables the benchmark writes (a database of its own: prepare_own_database
    refuses one whose name does not say "bench")."""
    from django.db import connection
    from django_q.models import OrmQ, Task

    from orderhub.alerts.models import Alert
    from orderhub.events.models import Event, EventTask
    from orderhub.webhooks.models import Delivery, DeliveryAttempt, Subscription
    from orders.models import GiftOrder, HubNumberSerial, Order, OrderLine, OrderTag

    models = [DeliveryAttempt, Delivery, Subscription, EventTask, Event, OrmQ, Task, OrderTag,
              Alert, GiftOrder, OrderLine, Order, HubNumberSerial]
    tables = [m._meta.db_table for m in models]
    tables += [m.history.model._meta.db_table for m in (Order, OrderLine, GiftOrder)]
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE")


def orders_in_transit(count: int) -> list[int]:
    """Orders in transit, created as ingestion creates them. Their own ``order.created``
    events are set aside (marked handled before the worker starts): the setup is not what is
    measured."""
    from orderhub.events.models import EventTask
    from orders.models import Channel
    from orders.services import LineInput, OrderInput, orders_create
    from orders.state_machine import Status

    channel = Channel.objects.get(code="jd")
    ids: list[int] = []
    for start in range(0, count, 500):
        inputs = [OrderInput(
            channel_order_no=f"WH{index:08d}", status=Status.IN_TRANSIT,
            lines=[LineInput(title="纯棉短袖T恤", sku="SKU-TEE", quantity=1,
                             unit_price=Decimal("99.00"))],
            receiver={"name": "测试", "phone": f"139{index:08d}", "province": "浙江省",
                      "city": "杭州市", "district": "西湖区", "address": f"文三路 {index} 号"},
        ) for index in range(start, min(start + 500, count))]
        ids += [o.pk for o in orders_create(channel=channel, orders=inputs, actor=None,
                                            reason="bench")]
    EventTask.objects.filter(status=EventTask.TaskStatus.PENDING).update(
        status=EventTask.TaskStatus.DONE)
    return ids


def subscribe(url: str) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from orderhub.webhooks.services import subscription_create

    user, _created = get_user_model().objects.get_or_create(username="bench-integrator")
    user.groups.add(Group.objects.get(name="integrator"))
    subscription_create(owner=user, url=url, secret=SECRET, actor=None,
                        events=["order.created", "order.status_changed", "order.held",
                                "order.released"])


# --- the paths ----------------------------------------------------------------------------------
def steady(count: int, rate: float, step: Callable[[int], object]) -> dict[object, float]:
    """Call ``step(i)`` ``count`` times at ``rate`` per second; when each returned, by its key."""
    done: dict[object, float] = {}
    started = time.monotonic()
    for index in range(count):
        pause = started + index / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        key = step(index)
        done[key] = time.monotonic()
    return done


def move(order_id: int) -> str:
    """One order in transit → delivered (the service records the event in its transaction,
    and commits); its hub number."""
    from orders.models import Order
    from orders.services import order_deliver

    return order_deliver(order=Order.objects.get(pk=order_id), actor=None,
                         reason="bench").hub_no


def wait_for(receiver: Receiver, key: Callable[[dict], object | None], expected: set,
             timeout: float = 60.0) -> dict[object, float]:
    deadline = time.monotonic() + timeout
    while True:
        arrived = receiver.arrived(key)
        if expected <= arrived.keys() or time.monotonic() > deadline:
            return arrived


def drain(timeout: float = 300.0) -> int:
    """Wait until the worker's queue is empty (each commit queued a task, most of which find
    their work done by an earlier one); returns how many tasks were waiting."""
    from django_q.models import OrmQ

    waiting = OrmQ.objects.count()
    deadline = time.monotonic() + timeout
    while OrmQ.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return waiting


def hub_key(body: dict) -> str | None:
    obj = (body.get("data") or {}).get("object") or {}
    return obj.get("hub_no") if body.get("type") == "order.status_changed" else None


def latencies(sent: dict[object, float], arrived: dict[object, float]) -> list[float]:
    return [(arrived[key] - at) * 1000 for key, at in sent.items() if key in arrived]


def row(name: str, sent: dict, values: list[float], target: float | None) -> str:
    if not values:
        return f"{name:<48} {0:>5}  (nothing arrived)"
    p99 = percentile(values, 99)
    verdict = "-" if target is None else ("PASS" if p99 <= target else "FAIL")
    return (f"{name:<48} {len(values):>5}/{len(sent):<5} {percentile(values, 50):>8.1f} "
            f"{percentile(values, 95):>8.1f} {p99:>8.1f} {max(values):>8.1f}  "
            f"{'<= %g' % target if target else '-':>9}  {verdict}")


def main() -> None:
    args = parse_args()
    os.environ["ORDERHUB_WEBHOOKS_ALLOW_PRIVATE"] = "1"  # the receiver is on 127.0.0.1
    setup_django_on_own_database(SUFFIX)
    url = prepare_own_database(SUGGESTED)
    from django_q.tasks import async_task

    from orderhub.webhooks.models import Delivery, DeliveryAttempt

    reset()
    receiver = Receiver()
    subscribe(receiver.url)
    moves = int(args.rate * args.seconds)
    order_ids = orders_in_transit(WARMUP + moves)
    (REPO_ROOT / "var").mkdir(exist_ok=True)
    log_path = str(REPO_ROOT / "var" / "bench-webhooks-qcluster.log")
    worker = start_worker(url, args.workers, log_path)
    print(f"qcluster with {args.workers} workers, log {log_path}; receiver {receiver.url}")
    try:
        # Warm-up: the cluster starts, the first of everything is paid for.
        warm = steady(WARMUP, 2.0, lambda i: move(order_ids[i]))
        if len(wait_for(receiver, hub_key, set(warm), timeout=120)) < WARMUP:
            fail(f"the worker delivered nothing within 120 s; see {log_path}")

        print(f"{moves} order moves at {args.rate:g}/s for {args.seconds:g} s ...", flush=True)
        hub_sent = steady(moves, args.rate, lambda i: move(order_ids[WARMUP + i]))
        hub = latencies(hub_sent, wait_for(receiver, hub_key, set(hub_sent)))
        print(f"tasks still queued when the last event arrived: {drain()}", flush=True)

        def one_hop(i: int) -> tuple[str, int]:
            async_task(post_json, receiver.url, json.dumps({"ref": "hop", "n": i}),
                       q_options={"save": False})
            return ("hop", i)

        def ref_key(body: dict) -> tuple[str, int] | None:
            return (body["ref"], body["n"]) if "ref" in body else None

        hop_sent = steady(args.reference, args.rate, one_hop)
        hop = latencies(hop_sent, wait_for(receiver, ref_key, set(hop_sent)))
        direct_started: dict[object, float] = {}
        for i in range(args.reference):  # the floor: measured from just before the POST
            direct_started[("direct", i)] = time.monotonic()
            post_json(receiver.url, json.dumps({"ref": "direct", "n": i}))
            time.sleep(1 / args.rate)
        floor = latencies(direct_started, receiver.arrived(ref_key))
        drain()
        time.sleep(1.0)  # the last attempts recorded
        sent = Delivery.objects.filter(status="sent").count()
        owed, attempts = Delivery.objects.count(), DeliveryAttempt.objects.count()
    finally:
        stop_worker(worker)

    with receiver.lock:
        signed = [h for _at, _b, h in receiver.arrivals if "X-Hub-Signature" in h]
    print()
    print(f"{'commit → receiver (ms)':<48} {'n':>11} {'p50':>8} {'p95':>8} {'p99':>8} "
          f"{'max':>8}  {'target':>9}  result")
    print(row("hub: dispatch task, fan-out, sender thread", hub_sent, hub, TARGET_P99_MS))
    print(row("reference: one django-q2 hop, then POST", hop_sent, hop, None))
    print(row("reference: POST right after commit (floor)", direct_started, floor, None))
    if hub and hop:
        print(f"hub p99 / one-hop p99: {percentile(hub, 99) / percentile(hop, 99):.2f}x; "
              f"hub p50 / one-hop p50: {percentile(hub, 50) / percentile(hop, 50):.2f}x")
    print(f"deliveries: {sent} sent of {owed}, {attempts} attempts; signed requests received: "
          f"{len(signed)}")
    if len(hub) < len(hub_sent) or (hub and percentile(hub, 99) > TARGET_P99_MS):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
