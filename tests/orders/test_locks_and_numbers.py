"""Who waits for whom, on PostgreSQL: an order's lock is its own row only, and the channel's
hub-number counter is locked for the allocation alone, not for a whole ingestion batch.

Each test holds a lock in one thread and, in another, does what must not wait for it, with a
``lock_timeout``: waiting would fail the statement instead of hanging the test.
"""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from channels.services.deliveries import delivery_process, delivery_store
from orders import services
from orders.channel_sync import orders_by_channel_no
from orders.locks import order_lock
from orders.models import Channel, HubNumberSerial, Order
from orders.state_machine import Status
from tests.channels import payloads as p
from tests.conftest import requires_postgres
from tests.factories import OrderFactory

pytestmark = [requires_postgres(), pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 30


def jd_channel() -> Channel:
    # Transactional tests run on a flushed database: the migration's channels may be gone.
    channel, _ = Channel.objects.get_or_create(
        code="jd", defaults={"abbreviation": "JD", "name": "京东POP店", "platform": "jd"})
    return channel


class Holder(threading.Thread):
    """A thread that opens a transaction, runs ``hold`` in it and keeps it open until told."""

    def __init__(self, hold) -> None:
        super().__init__(daemon=True)
        self.hold, self.holding, self.release = hold, threading.Event(), threading.Event()
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            with transaction.atomic():
                self.hold()
                self.holding.set()
                self.release.wait(WAIT_SECONDS)
        except Exception as exc:  # noqa: BLE001 - checked by the test
            self.error = exc
            self.holding.set()
        finally:
            connection.close()

    def __enter__(self):
        self.start()
        assert self.holding.wait(WAIT_SECONDS)
        assert self.error is None, self.error
        return self

    def __exit__(self, *exc_info):
        self.release.set()
        self.join(WAIT_SECONDS)
        return False


def no_waiting() -> None:
    """Make this connection's next lock wait fail after a second instead of waiting."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '1s'")


def test_a_move_on_one_order_does_not_wait_for_another_order_of_the_same_channel():
    # given two paid orders of one channel, and a transaction holding the first one's lock
    # as every move does (the order read with its channel)
    channel = jd_channel()
    first = OrderFactory(channel=channel, status=Status.PAID)
    second = OrderFactory(channel=channel, status=Status.PAID)
    with Holder(lambda: order_lock(first.pk)):
        # when the second order moves (and ingestion locks the channel's orders by number)
        with transaction.atomic():
            no_waiting()
            moved = services.order_start_picking(order=second, actor=None)
        with transaction.atomic():
            no_waiting()
            found = orders_by_channel_no(channel=channel, numbers=[second.channel_order_no],
                                         lock=True)
    # then neither waited for the first: the channel's row was never locked
    assert moved.status == Status.PICKING and list(found.values()) == [second]


def test_the_hub_number_counter_is_not_locked_while_a_batch_is_written():
    # given a delivery whose batch is stuck half-way: one of its new orders collides with an
    # insert another transaction has not committed yet, so its COPY waits on the unique index
    channel = jd_channel()
    stuck = delivery_store(channel=channel, source="api", body=p.dumps(
        [p.jd_order(orderId="700000000001"), p.jd_order(orderId="700000000002")]))
    # (another buyer: the same buyer's identity row would rightly wait for the stuck batch)
    other = delivery_store(channel=channel, source="api", body=p.dumps(p.jd_order(
        orderId="700000000003", open_id_buyer="o-jd-buyer-other",
        consigneeInfo={**p.jd_order()["consigneeInfo"], "mobile": "138****0002"})))
    outcome: dict = {}

    def insert_the_same_number() -> None:
        OrderFactory(channel=channel, channel_order_no="700000000001", hub_no="JDHELD1")

    def run_stuck() -> None:
        try:
            outcome["stuck"] = delivery_process(delivery=stuck, actor=None)
        except Exception as exc:  # noqa: BLE001 - checked below
            outcome["stuck"] = exc
        finally:
            connection.close()

    with Holder(insert_the_same_number) as holder:
        writer = threading.Thread(target=run_stuck, daemon=True)
        writer.start()
        _wait_until_blocked()
        # when another delivery of the same channel and day takes its hub number
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # for the session: several transactions
        try:
            answer = delivery_process(delivery=other, actor=None)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
        holder.release.set()  # the colliding insert commits: the batch updates that order
    writer.join(WAIT_SECONDS)

    # then it did not wait for the stuck batch, and every number is distinct
    assert answer["created"] == 1
    assert not isinstance(outcome["stuck"], Exception), outcome["stuck"]
    numbers = list(Order.objects.filter(channel=channel).values_list("hub_no", flat=True))
    assert len(numbers) == len(set(numbers)) == 3


def _wait_until_blocked() -> None:
    """Until a backend of this database waits for a lock (the stuck batch)."""
    deadline = timezone.now() + dt.timedelta(seconds=WAIT_SECONDS)
    with connection.cursor() as cursor:
        while timezone.now() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return
    raise AssertionError("the stuck batch never waited")


def test_the_daily_serial_widens_past_99999():
    # given a channel that has handed out 99,998 numbers today
    channel = jd_channel()
    day = dt.date(2026, 11, 11)
    HubNumberSerial.objects.create(prefix="JD", day=day, last_value=99998)
    # when three more orders arrive
    numbers = services.hub_no_allocate(channel=channel, day=day, count=3)
    # then the serial goes on, one digit wider, and never collides with another day's numbers
    assert numbers == ["JD2026111199999", "JD20261111100000", "JD20261111100001"]
    assert services.hub_no_allocate(channel=channel, day=dt.date(2026, 11, 12)) == [
        "JD2026111200001"]
