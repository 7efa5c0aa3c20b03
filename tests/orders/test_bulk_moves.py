"""Moves applied to many orders at once (``orders.bulk_moves``), and the move conditions they
share with the one-at-a-time services."""
from __future__ import annotations

import pytest

from orderhub.events.models import Event
from orders import services
from orders.models import Order
from orders.state_machine import MOVES, Status
from tests.factories import ChannelFactory, OrderFactory

pytestmark = pytest.mark.django_db

CONDITIONAL = [move for move in MOVES if move.condition is not None]


@pytest.mark.parametrize("move", CONDITIONAL, ids=lambda move: move.name)
def test_a_condition_reads_the_same_for_one_order_and_for_a_queryset(move):
    # given an order in every state, on a channel that invoices its buyers and one that does not
    orders = [
        OrderFactory(status=status, channel=channel)
        for channel in (ChannelFactory(skips_invoicing=False), ChannelFactory(skips_invoicing=True))
        for status in Status.values
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
    invoices_itself, needs_invoice = (ChannelFactory(skips_invoicing=flag) for flag in (True, False))
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
