"""The per-order cost breakdown beyond what statements tell: shipping and the invoiced tax.

Statements fill revenue, commission, payment fee and fulfilment fee (``matching.costs_refresh``);
shipping comes from logistics or finance, the tax from the invoice once recorded (an estimate at
the VAT rate until then). Net revenue = revenue − commission − payment fee − fulfilment fee −
shipping − tax.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from finance import permissions
from finance.models import Invoice, OrderCost
from finance.reconciliation import CENT, ZERO
from finance.services.matching import vat_rate
from orderhub.core.errors import ValidationFailed
from orders.models import Order


def _cost_for_update(order: Order) -> OrderCost:
    """The order's cost row, locked; made first if missing (two writers may race to make it:
    the loser's insert fails inside its savepoint and it locks the winner's row)."""
    cost = OrderCost.objects.select_for_update().filter(order=order).first()
    if cost is not None:
        return cost
    revenue = order.paid_amount
    rate = vat_rate()
    try:
        with transaction.atomic():
            OrderCost.objects.create(
                order=order, currency=order.currency, revenue=revenue,
                tax=(revenue * rate / (1 + rate)).quantize(CENT, rounding=ROUND_HALF_UP),
                net_revenue=revenue,
            )
    except IntegrityError:
        pass
    return OrderCost.objects.select_for_update().get(order=order)


def _save(cost: OrderCost) -> OrderCost:
    cost.net_revenue = (
        cost.revenue - cost.commission - cost.payment_fee - cost.fulfilment_fee
        - cost.shipping_cost - cost.tax
    )
    cost.save()
    return cost


@transaction.atomic
def order_cost_set_shipping(*, order: Order, shipping_cost: Decimal, actor) -> OrderCost:
    """Record what shipping the order cost the seller (logistics or finance)."""
    permissions.require(actor, permissions.CHANGE_COST)
    if shipping_cost < ZERO:
        raise ValidationFailed("Shipping cost cannot be negative.")
    cost = _cost_for_update(order)
    cost.shipping_cost = shipping_cost.quantize(CENT)
    return _save(cost)


@transaction.atomic
def order_cost_tax_from_invoices(*, order: Order) -> OrderCost:
    """Replace the estimated tax with the tax of the order's invoices."""
    cost = _cost_for_update(order)
    cost.tax = Invoice.objects.filter(order=order).aggregate(tax=Sum("tax_amount"))["tax"] or ZERO
    cost.tax_from_invoice = True
    return _save(cost)
