"""Concurrent writes on one order, on PostgreSQL: one winner, a clear refusal, nothing lost.

Two threads call transition services on the same order at the same moment. To make them really
race (not merely run one after the other), the test itself holds the order's row lock while
both threads start (a Barrier releases them together), waits until PostgreSQL shows both
blocked on that lock, and only then lets go: both are inside the service, past their
permission checks, contending for the row. Each race is repeated on fresh orders.

SQLite ignores ``select_for_update``, so these tests need PostgreSQL (PITFALLS.md).
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection, transaction

from orders import services
from orders.models import Order
from orders.services import IllegalTransition
from orders.state_machine import Status
from tests.conftest import requires_postgres
from tests.factories import ChannelFactory, OrderFactory
from orderhub.core.texts import render

pytestmark = [requires_postgres(), pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("a_warehouse")]

ROUNDS = 8
WAIT_SECONDS = 20


@dataclass
class Outcome:
    name: str
    result: Order | None = None
    error: Exception | None = None

    @property
    def won(self) -> bool:
        return self.error is None and self.result is not None


def start_together(calls: dict[str, Callable[[], object]]) -> tuple[list[threading.Thread], dict]:
    """Start one thread per call; a Barrier releases them at the same instant."""
    barrier = threading.Barrier(len(calls))
    outcomes = {name: Outcome(name) for name in calls}

    def work(name: str, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=WAIT_SECONDS)
            outcomes[name].result = call()
        except Exception as exc:  # the refusal is what the test looks at
            outcomes[name].error = exc
        finally:
            # Each thread has its own connection; give it back so the flush can run.
            connection.close()

    threads = [threading.Thread(target=work, args=item, daemon=True) for item in calls.items()]
    for thread in threads:
        thread.start()
    return threads, outcomes


def wait_for_lock_waiters(count: int) -> None:
    """Block until ``count`` other sessions wait on a lock (the row this test holds)."""
    deadline = time.monotonic() + WAIT_SECONDS
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Statistics are a snapshot per transaction: clear it to see the threads arrive.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.01)
    raise AssertionError(f"{count} sessions never queued on the order's row lock")


def race(order: Order, calls: dict[str, Callable[[Order], Order]]) -> dict[str, Outcome]:
    """Run the calls in threads that all queue on the order's row lock, then release it."""
    threads: list[threading.Thread] = []
    try:
        with transaction.atomic():
            Order.objects.select_for_update().get(pk=order.pk)
            # Each thread gets an instance of its own, as two requests would.
            threads, outcomes = start_together(
                {name: (lambda c=call, o=Order.objects.get(pk=order.pk): c(o))
                 for name, call in calls.items()}
            )
            wait_for_lock_waiters(len(calls))
    finally:
        for thread in threads:
            thread.join(timeout=WAIT_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a thread never finished"
    return outcomes


def new_rows(order: Order) -> list:
    """History rows after the 'created' one, oldest first."""
    return list(order.history.filter(history_type="~").order_by("history_id"))


def assert_refused_naming(error: Exception | None, state: str) -> None:
    assert isinstance(error, IllegalTransition), repr(error)
    assert f"it is '{state}'" in error.message
    assert error.extra["current_state"] == state


def assert_one_winner(order: Order, outcomes: dict[str, Outcome], targets: dict[str, str]):
    """Exactly one call won; the order is in its target state, the other call was refused
    naming that state, and the history gained exactly one row (the winner's)."""
    winners = [o for o in outcomes.values() if o.won]
    losers = [o for o in outcomes.values() if not o.won]
    assert (len(winners), len(losers)) == (1, 1), outcomes
    order.refresh_from_db()
    assert order.status == targets[winners[0].name]
    assert_refused_naming(losers[0].error, order.status)
    rows = new_rows(order)
    assert [r.status for r in rows] == [order.status]
    return winners[0].name, rows[0]


@pytest.fixture
def staff(make_user):
    """``staff("warehouse")``: a user in that role, permissions loaded before threads start."""

    def make(role: str):
        user = make_user(role)
        user.get_all_permissions()  # fills the per-instance cache: no query inside the race
        return user

    return make


# (source state, first move, second move), each move as (role, move name, state it leads to).
ONE_WINNER_RACES = [
    pytest.param(
        Status.AWAITING_PICKUP, ("warehouse", "hand_over", Status.IN_TRANSIT),
        ("customer_service", "cancel", Status.CANCELLED), id="courier-handover-vs-cancel",
    ),
    pytest.param(
        Status.PAID, ("customer_service", "cancel", Status.CANCELLED),
        ("finance", "refund", Status.REFUNDED), id="cancel-vs-refund",
    ),
    pytest.param(
        Status.PAID, ("warehouse", "start_picking", Status.PICKING),
        ("warehouse", "start_picking", Status.PICKING), id="same-move-twice",
    ),
]


@pytest.mark.parametrize(("source", "first", "second"), ONE_WINNER_RACES)
def test_conflicting_moves_at_once_exactly_one_wins(staff, source, first, second):
    moves = {"first": first, "second": second}
    users = {key: staff(role) for key, (role, _name, _target) in moves.items()}
    for _round in range(ROUNDS):
        # given an order in the source state
        order = OrderFactory(status=source)
        # when two staff apply their moves to it at the same moment (through the services)
        outcomes = race(order, {
            key: (lambda o, k=key, name=name: services.TRANSITION_SERVICES[name](
                order=o, actor=users[k], reason=f"by {k}"))
            for key, (_role, name, _target) in moves.items()
        })
        # then exactly one wins, the loser is told the winner's state, one history row is added
        winner, row = assert_one_winner(
            order, outcomes, {key: target for key, (_r, _n, target) in moves.items()}
        )
        # and that row is the winner's: its user and its reason
        assert row.history_user == users[winner]
        assert render(row.history_change_reason) == f"by {winner}"


def test_picking_and_cancel_at_once_never_leave_a_cancelled_order_picking(staff):
    """Cancel is legal from 'picking', so both may succeed, but only one after the other."""
    warehouse, customer_service = staff("warehouse"), staff("customer_service")
    for _round in range(ROUNDS):
        # given a paid order
        order = OrderFactory(status=Status.PAID)
        # when the warehouse starts picking while customer service cancels
        outcomes = race(order, {
            "start_picking": lambda o: services.order_start_picking(
                order=o, actor=warehouse, reason="picking"),
            "cancel": lambda o: services.order_cancel(
                order=o, actor=customer_service, reason="buyer cancelled"),
        })
        # then the cancel always holds, and the history records exactly the moves that happened
        order.refresh_from_db()
        assert order.status == Status.CANCELLED
        assert outcomes["cancel"].won
        statuses = [r.status for r in new_rows(order)]
        if outcomes["start_picking"].won:
            assert statuses == [Status.PICKING, Status.CANCELLED]
        else:
            assert_refused_naming(outcomes["start_picking"].error, Status.CANCELLED)
            assert statuses == [Status.CANCELLED]


def test_hub_numbers_allocated_concurrently_are_distinct_and_consecutive():
    channel = ChannelFactory(abbreviation="CC")
    for round_ in range(5):
        # given a day nobody has numbered yet (so the threads also race to create its counter)
        day = dt.date(2026, 1, 1) + dt.timedelta(days=round_)
        barrier = threading.Barrier(8)
        results: list[list[str]] = []
        errors: list[Exception] = []

        def allocate() -> None:
            try:
                barrier.wait(timeout=WAIT_SECONDS)
                with transaction.atomic():
                    results.append(services.hub_no_allocate(channel=channel, day=day, count=5))
            except Exception as exc:
                errors.append(exc)
            finally:
                connection.close()

        # when 8 ingestion workers each take 5 numbers for that channel and day at once
        threads = [threading.Thread(target=allocate, daemon=True) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=WAIT_SECONDS)
        # then the 40 numbers are distinct, consecutive from 1, and each worker's 5 are a run
        assert errors == []
        assert len(results) == 8
        numbers = [number for batch in results for number in batch]
        assert len(set(numbers)) == 40
        prefix = f"CC{day:%Y%m%d}"
        assert sorted(numbers) == [f"{prefix}{serial:05d}" for serial in range(1, 41)]
        for batch in results:
            serials = [int(number[-5:]) for number in batch]
            assert serials == list(range(serials[0], serials[0] + 5))
