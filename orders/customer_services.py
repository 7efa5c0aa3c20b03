"""Writes on customers for identity matching: create in bulk, merge two into one, undo a merge.

The channels app decides who is the same person (it owns the identities and the merge records);
these services move the orders between customers, with a history row on every order and
customer they touch. ``actor=None`` is the hub itself (ingestion); a person needs
``orders.change_customer``.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from orderhub.core.bulk import copy_rows, copy_supported
from orderhub.core.errors import PermissionRefused, ValidationFailed
from orderhub.core.history import Actor, audit, audited_bulk_create, audited_bulk_update
from orderhub.core.texts import render
from orders import texts
from orders.locks import orders_for_update
from orders.models import Customer, Order

CHANGE_CUSTOMER = "orders.change_customer"


@dataclass
class CustomerInput:
    name: str = ""
    phone: str = ""
    email: str = ""


def _check(actor: Actor) -> None:
    if actor is not None and not actor.has_perm(CHANGE_CUSTOMER):
        raise PermissionRefused(
            f"Your role may not merge customers (needs permission '{CHANGE_CUSTOMER}')."
        )


@transaction.atomic
def customers_create(
    *, customers: Sequence[CustomerInput], actor: Actor, reason: str
) -> list[int]:
    """Create customers in bulk with their history rows (new buyers); returns their ids."""
    if not customers:
        return []
    if copy_supported():
        return copy_rows(Customer, [{"name": c.name[:100], "phone": c.phone[:32],
                                     "email": c.email} for c in customers],
                         actor=actor, reason=reason)
    rows = [Customer(name=c.name[:100], phone=c.phone[:32], email=c.email) for c in customers]
    created = audited_bulk_create(rows, Customer, actor=actor, reason=reason)
    if any(customer.pk is None for customer in created):  # pragma: no cover - old SQLite only
        raise ValidationFailed("The database did not return the new customers' ids.")
    return [customer.pk for customer in created]


def _move_orders(
    *, orders: Iterable[Order], to: Customer, actor: Actor, reason: str
) -> list[int]:
    orders = list(orders)
    now = timezone.now()
    for order in orders:
        order.customer_id = to.pk
        order.updated_at = now
    if orders:
        audited_bulk_update(orders, Order, fields=["customer", "updated_at"], actor=actor,
                            reason=reason)
    return [order.pk for order in orders]


def _note(customer: Customer, text: str, *, actor: Actor, reason: str) -> None:
    """Add the line ``text`` (a stored text) to the customer's note, and a history row.

    The note is a box staff type into and edit, so the line is written as words in the hub's
    language (a code would be edited by hand there); the history row keeps it as a code, read
    in each reader's language."""
    with translation.override(settings.LANGUAGE_CODE):
        line = render(text)
    customer.note = f"{customer.note}\n{line}".strip()
    audit(customer, actor=actor, reason=reason)
    customer.save(update_fields=["note", "updated_at"])


@transaction.atomic
def customer_merge(
    *, survivor: Customer, absorbed: Customer, actor: Actor, reason: str
) -> list[int]:
    """Move every order of ``absorbed`` to ``survivor``; returns the moved order ids (for undo).

    The absorbed customer row stays (with a note), so that the merge can be undone.
    """
    _check(actor)
    if survivor.pk == absorbed.pk:
        raise ValidationFailed("A customer cannot be merged into itself.")
    locked = list(Customer.objects.select_for_update().filter(
        pk__in=[survivor.pk, absorbed.pk]).order_by("pk"))
    if len(locked) != 2:
        raise ValidationFailed("One of the customers to merge no longer exists.")
    orders = orders_for_update().filter(customer_id=absorbed.pk).order_by("pk")
    moved = _move_orders(orders=orders, to=survivor, actor=actor,
                         reason=texts.CUSTOMER_MERGE.encode(reason=reason))
    absorbed_row = next(c for c in locked if c.pk == absorbed.pk)
    merged = texts.MERGED_INTO.encode(customer=survivor.pk, reason=reason)
    _note(absorbed_row, merged, actor=actor, reason=merged)
    return moved


@transaction.atomic
def customer_unmerge(
    *, survivor: Customer, absorbed: Customer, order_ids: Sequence[int], actor: Actor,
    reason: str,
) -> list[int]:
    """Undo a merge: the given orders go back to ``absorbed`` (those still on ``survivor``)."""
    _check(actor)
    orders = orders_for_update().filter(
        pk__in=list(order_ids), customer_id=survivor.pk
    ).order_by("pk")
    moved = _move_orders(orders=orders, to=absorbed, actor=actor,
                         reason=texts.CUSTOMER_UNMERGE.encode(reason=reason))
    absorbed_row = Customer.objects.select_for_update().get(pk=absorbed.pk)
    undone = texts.UNMERGED.encode(customer=survivor.pk, reason=reason)
    _note(absorbed_row, undone, actor=actor, reason=undone)
    return moved
