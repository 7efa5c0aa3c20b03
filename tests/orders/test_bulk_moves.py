"""Moves applied to many orders at once (``orders.bulk_moves``), and the move conditions they
share with the one-at-a-time services."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orderhub.core.errors import DomainError, NotFound, PermissionRefused, ValidationFailed
from orderhub.events.models import Event
from orders import bulk_moves, services
from orders.bulk_moves import (
    BULK_MOVES,
    CONDITION_NOT_MET,
    GONE,
    ON_HOLD,
    WRONG_STATE,
    orders_move_many,
)
from orderhub.alerts.models import Alert, Team
from orders.models import Order, SlaPolicy, SlaStep, not_on_hold
from orders.state_machine import MOVES, MOVES_BY_NAME, AfterSalesState, Status
from tests.factories import ChannelFactory, OrderFactory
from orderhub.core.texts import render

pytestmark = pytest.mark.django_db

CONDITIONAL = [move for move in MOVES if move.condition is not None]


def two_channels():
    """A channel that invoices its buyers itself, and one that needs the hub's invoice."""
    return ChannelFactory(skips_invoicing=True), ChannelFactory(skips_invoicing=False)


@pytest.mark.parametrize("move", CONDITIONAL, ids=lambda move: move.name)
def test_a_condition_reads_the_same_for_one_order_and_for_a_queryset(move):
    # given an order in every state, on a channel that invoices its buyers and one that does not
    orders = [
        OrderFactory(status=status, channel=channel, aftersales_state=aftersales)
        for channel in two_channels() for status in Status.values
        for aftersales in AfterSalesState.values
    ]
    # when the condition is asked of each order and of the table as a queryset
    in_memory = {order.pk for order in orders if move.condition.holds(order)}
    in_queryset = set(Order.objects.filter(move.condition.rows).values_list("pk", flat=True))
    # then both forms pick the same orders, and so do the move's two forms of "may apply"
    assert in_memory == in_queryset
    may_apply = {order.pk for order in orders if order.status in move.sources} & in_memory
    assert set(Order.objects.filter(move.applicable).values_list("pk", flat=True)) == may_apply
    assert may_apply  # the case where the move applies is among them


def test_settle_needs_the_invoice_unless_the_channel_invoices_itself():
    # given delivered and invoiced orders on both kinds of channel
    invoices_itself, needs_invoice = two_channels()
    ready = [OrderFactory(status=Status.DELIVERED, channel=invoices_itself),
             OrderFactory(status=Status.INVOICED, channel=invoices_itself),
             OrderFactory(status=Status.INVOICED, channel=needs_invoice)]
    waiting = OrderFactory(status=Status.DELIVERED, channel=needs_invoice)
    # then the transition guard agrees with the table, order by order
    for order in [*ready, waiting]:
        legal = {t.name for t in order.get_available_status_transitions()}
        assert ("settle" in legal) == (order is not waiting)


def test_a_move_records_the_status_change_for_the_other_apps(manager):
    # given an invoiced order
    order = OrderFactory(status=Status.INVOICED)
    # when it is settled, then one event says from where to where and by which move
    services.order_settle(order=order, actor=manager)
    assert list(Event.objects.filter(order_id=order.pk).values_list("kind", "payload")) == [
        ("order.status_changed", {"from": "invoiced", "to": "settled", "move": "settle"}),
    ]
    # and a refused move records nothing
    with pytest.raises(services.IllegalTransition):
        services.order_settle(order=order, actor=manager)
    assert Event.objects.filter(order_id=order.pk).count() == 1


# --- the bulk service agrees with the one-order service -------------------------------------
# Columns that differ between two otherwise identical orders (unique numbers), and the history
# table's own bookkeeping.
UNIQUE = {"id", "hub_no", "channel_order_no", "receiver_phone", "history_id"}


def twins(count: int = 2, **fields) -> list[Order]:
    """``count`` orders alike in everything but their numbers."""
    return [OrderFactory(customer=None, **fields) for _ in range(count)]


def cases(move_name: str, start: dt.datetime) -> list[dict]:
    """Orders of every kind the move meets: each source state and two wrong ones, held or not,
    on a channel that invoices its buyers and one that does not (with deadlines of its own, so
    that the new state's due time differs by channel); and in a source state, a stay
    past its due time (an alert) and a paid order without a ship-by (the promise is set)."""
    move = MOVES_BY_NAME[move_name]
    wrong = [s for s in (Status.PENDING_PAYMENT, Status.CANCELLED, Status.CLOSED)
             if s not in move.sources][:2]
    invoices_itself, needs_invoice = two_channels()
    for minutes, step in enumerate(SlaStep.values, start=7):  # one channel's own deadlines
        SlaPolicy.objects.create(step=step, channel=needs_invoice, minutes=minutes,
                                 team=Team.WAREHOUSE)
    usual = {
        "paid_at": start - dt.timedelta(hours=5), "ship_by": start + dt.timedelta(hours=43),
        "state_entered_at": start - dt.timedelta(minutes=10),
    }
    # The close move's condition reads where the after-sales stand: none, one open, all closed.
    aftersales = AfterSalesState.values if move_name == "close" else [AfterSalesState.NONE]
    found = [
        {**usual, "status": status, "channel": channel, "on_hold": held,
         "hold_reason": "address check" if held else "", "aftersales_state": state}
        for status in [*move.sources, *wrong]
        for channel in (invoices_itself, needs_invoice)
        for held in (False, True)
        for state in aftersales
    ]
    late = {"state_entered_at": start - dt.timedelta(hours=3, seconds=30),
            "state_due_at": start - dt.timedelta(hours=2), "is_stuck": True,
            "aftersales_state": aftersales[-1]}
    for source in move.sources:
        found.append({**usual, **late, "status": source, "channel": invoices_itself})
        found.append({**usual, "ship_by": None, "status": source, "channel": invoices_itself,
                      "aftersales_state": aftersales[-1]})
    return found


def comparable(row: dict, *, start: dt.datetime, hub_no: str) -> dict:
    """A row without its unique numbers, each time written by the move given as minutes after
    the move (the two paths run at slightly different moments)."""
    moved_at = row.get("state_entered_at")
    out = {}
    for key, value in row.items():
        if key in UNIQUE:
            continue
        if isinstance(value, dt.datetime) and value >= start:
            value = ("minutes after the move", round((value - moved_at).total_seconds() / 60))
        elif isinstance(value, str):
            value = value.replace(hub_no, "<hub_no>")
        out[key] = value
    return out


def outcome(order: Order, *, start: dt.datetime) -> dict:
    """Everything a move leaves behind on one order: its row, the history rows it added, its
    events and alerts."""
    hub = order.hub_no
    row = Order.objects.filter(pk=order.pk).values().get()
    history = list(order.history.filter(history_type="~").order_by("history_id").values())
    return {
        "order": comparable(row, start=start, hub_no=hub),
        "history": [comparable(h, start=start, hub_no=hub) for h in history],
        "events": list(Event.objects.filter(order_id=order.pk).values_list("kind", "payload")),
        "alerts": [(kind, status, title.replace(hub, "<hub_no>")) for kind, status, title in
                   Alert.objects.filter(order=order).values_list("kind", "status", "title")],
    }


@pytest.mark.parametrize("name", sorted(BULK_MOVES))
def test_bulk_and_one_at_a_time_leave_the_same_rows_history_and_events(
    name, manager, as_request, monkeypatch
):
    monkeypatch.setattr(bulk_moves, "LOCK_CHUNK", 7)  # several chunks in one call
    # given pairs of identical orders of every kind the move meets
    start = timezone.now()
    pairs = [twins(**fields) for fields in cases(name, start)]
    # when one of each pair is moved by the service, one order at a time, and the other in bulk
    refusals = {}
    with as_request(manager, ip="198.51.100.7"):
        for one, _many in pairs:
            try:
                services.TRANSITION_SERVICES[name](order=one, actor=manager, reason="month end")
            except DomainError as refused:
                refusals[one.pk] = refused
        report = orders_move_many(name=name, order_ids=[many.pk for _one, many in pairs],
                                  actor=manager, reason="month end")
    # then each pair ends alike: the order, its new history rows (user, IP, reason), its events
    not_moved = {item.order_id: item for item in report.not_moved}
    for one, many in pairs:
        assert outcome(one, start=start) == outcome(many, start=start), (one.status, one.on_hold)
        # and an order the service refused is reported with the service's own words
        if one.pk in refusals:
            error = not_moved[many.pk].error
            assert type(error) is type(refusals[one.pk])
            assert error.message.replace(many.hub_no, one.hub_no) == refusals[one.pk].message
            assert error.extra == refusals[one.pk].extra
        else:
            assert report.moved[many.pk] == many.hub_no
    assert len(report.moved) + len(report.not_moved) == len(pairs)
    assert len(report.moved) == len(pairs) - len(refusals) > 0
    # and the stays that ended past their due time were recorded both ways
    assert Alert.objects.count() == 2 * len(MOVES_BY_NAME[name].sources)


def test_the_report_says_why_each_order_was_not_moved(manager):
    # given orders to settle: ready, in a wrong state, held, invoice missing, and one deleted
    invoices_itself, needs_invoice = two_channels()
    ready = OrderFactory(status=Status.DELIVERED, channel=invoices_itself)
    wrong = OrderFactory(status=Status.PAID)
    held = OrderFactory(status=Status.INVOICED, on_hold=True, hold_reason="refund requested")
    waiting = OrderFactory(status=Status.DELIVERED, channel=needs_invoice)
    gone = OrderFactory(status=Status.INVOICED)
    gone_id = gone.pk
    gone.delete()
    # when they are settled in bulk
    report = orders_move_many(name="settle", order_ids=[gone_id, waiting.pk, held.pk, wrong.pk,
                                                        ready.pk, ready.pk],
                              actor=manager, reason="")
    # then only the ready one moved, with the move's label as the reason, and each other says why
    assert report.moved == {ready.pk: ready.hub_no}
    assert render(ready.history.latest("history_id").history_change_reason) == "Settle"
    why = {item.order_id: (item.why, item.error.code) for item in report.not_moved}
    assert why == {
        wrong.pk: (WRONG_STATE, "illegal_transition"), held.pk: (ON_HOLD, "order_on_hold"),
        waiting.pk: (CONDITION_NOT_MET, "illegal_transition"), gone_id: (GONE, "not_found"),
    }
    messages = {item.order_id: item.message for item in report.not_moved}
    assert messages[held.pk] == (f"Order {held.hub_no} is on hold (Staff: refund requested); release "
                                 f"the hold before 'settle'.")
    assert messages[waiting.pk].startswith(f"Order {waiting.hub_no} cannot 'settle': it is "
                                           f"'delivered'")


def test_the_statements_do_not_grow_with_the_orders(manager):
    def queries_to_settle(count: int) -> int:
        ids = [order.pk for order in twins(count, status=Status.INVOICED)]
        with CaptureQueriesContext(connection) as queries:
            report = orders_move_many(name="settle", order_ids=ids, actor=manager, reason="r")
        assert len(report.moved) == count
        return len(queries)

    queries_to_settle(1)  # the deadline rules and the permissions, read once and cached
    # one chunk: lock, update, history, events (and the savepoint), whatever the count
    assert queries_to_settle(3) == queries_to_settle(60) <= 6


def test_the_role_is_checked_once_and_the_move_must_be_one_for_many(make_user):
    orders = twins(status=Status.INVOICED)
    ids = [order.pk for order in orders]
    with pytest.raises(PermissionRefused, match="may not 'settle'"):
        orders_move_many(name="settle", order_ids=ids, actor=make_user("warehouse"), reason="")
    with pytest.raises(ValidationFailed, match="'refund' cannot be applied to many orders"):
        orders_move_many(name="refund", order_ids=ids, actor=None, reason="")
    with pytest.raises(NotFound, match="no transition 'teleport'"):
        orders_move_many(name="teleport", order_ids=ids, actor=None, reason="")
    assert set(Order.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        Status.INVOICED
    }


def test_a_move_in_bulk_has_no_guard_the_bulk_service_does_not_know():
    # the transition's guards are the hold and the table's condition, nothing only the model has
    transitions = Order._meta.get_field("status").get_all_transitions(Order)
    for transition in transitions:
        move = MOVES_BY_NAME[transition.name]
        if move.name in BULK_MOVES:
            known = [not_on_hold] * move.blocked_by_hold
            known += [move.condition.holds] if move.condition else []
            assert transition.conditions == known, move.name
