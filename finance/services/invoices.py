"""Invoices: recording one moves a delivered order to ``invoiced`` (through orders.services).

A fully digital invoice (全电发票) has a 20-digit number. An order already past invoicing (e.g.
settled on a channel that invoices itself) may get an invoice recorded without a move.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from finance import permissions, texts
from finance.importers import InvoiceResource
from finance.models import Invoice
from finance.parsers.base import RowError, StatementRejected, truncate
from finance.parsers.generic import read_dataset
from finance.reconciliation import ZERO
from finance.services.costs import order_cost_tax_from_invoices
from orderhub.core.errors import Conflict, DomainError, ValidationFailed
from orderhub.core.spreadsheets import header_name
from orders.models import Order
from orders.services import order_invoice
from orders.state_machine import Status

INVOICE_NUMBER = re.compile(r"^\d{20}$")
# An invoice for an order in these states is recorded without a move.
ALREADY_INVOICED = frozenset({Status.INVOICED, Status.SETTLED, Status.ARCHIVED, Status.CLOSED})


@transaction.atomic
def invoice_record(
    *, order: Order, number: str, issued_on: dt.date, amount: Decimal, tax_amount: Decimal,
    actor, buyer_name: str = "",
) -> Invoice:
    """Record an issued invoice; a delivered order moves to ``invoiced``."""
    permissions.require(actor, permissions.RECORD_INVOICE)
    number = (number or "").strip()
    if not INVOICE_NUMBER.match(number):
        raise ValidationFailed(
            f"Invoice number '{number}' is not a fully digital invoice number (20 digits)."
        )
    taken = Invoice.objects.filter(number=number).select_related("order").first()
    if taken is not None:
        raise Conflict(f"Invoice {number} is already recorded for order {taken.order.hub_no}.")
    if amount is None or amount <= ZERO:
        raise ValidationFailed(f"Invoice {number}: the amount must be positive.")
    if tax_amount is None or tax_amount < ZERO or tax_amount > amount:
        raise ValidationFailed(f"Invoice {number}: the tax must be between 0 and the amount.")
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                order=order, number=number, issued_on=issued_on, amount=amount,
                tax_amount=tax_amount, buyer_name=(buyer_name or "")[:200],
                recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:
        # Recorded by someone else between the check above and now.
        raise Conflict(f"Invoice {number} is already recorded.") from None
    if order.status not in ALREADY_INVOICED:
        # Refused with the current state and the legal moves when the order is not delivered.
        order_invoice(
            order=order, actor=actor,
            reason=texts.INVOICE_ISSUED.encode(number=number, day=issued_on),
        )
    order_cost_tax_from_invoices(order=order)
    return invoice


@dataclass
class InvoiceImportOutcome:
    dry_run: bool
    recorded: list[Invoice] = field(default_factory=list)


def invoices_import(
    *, content: bytes, file_name: str, actor, dry_run: bool = False
) -> InvoiceImportOutcome:
    """Import invoices from the column template: all rows or none; a dry run rolls back."""
    permissions.require(actor, permissions.RECORD_INVOICE)
    dataset = read_dataset(content, file_name=file_name)
    resource = InvoiceResource()
    names = InvoiceResource.header_names()
    headers = [header_name(names, header) for header in (dataset.headers or [])]
    missing = [InvoiceResource.label(name) for name in InvoiceResource.Meta.fields[:5]
               if name not in headers]
    if missing:
        raise StatementRejected(
            texts.LACKS_COLUMNS.encode(file=file_name, missing=", ".join(missing)))
    dataset.headers = headers
    outcome = InvoiceImportOutcome(dry_run=dry_run)
    errors: list[RowError] = []
    with transaction.atomic():
        for index, row in enumerate(dataset.dict):
            line_no = index + 2
            values = {resource.fields[name].column_name: row.get(name, "")
                      for name in InvoiceResource.Meta.fields}
            try:
                cleaned = {f.attribute: f.clean(values) for f in resource.get_import_fields()}
            except (ValueError, InvalidOperation, TypeError) as problem:
                errors.append(RowError(line_no, str(problem) or texts.UNREADABLE.encode()))
                continue
            order = Order.objects.filter(hub_no=(cleaned["hub_no"] or "").strip().upper()).first()
            if order is None:
                errors.append(RowError(line_no, texts.NO_ORDER.encode(
                    hub_no=truncate(str(cleaned["hub_no"] or ""), 60))))
                continue
            if cleaned["issued_on"] is None:
                errors.append(RowError(line_no, texts.EMPTY.encode(
                    column=InvoiceResource.label("issued_on"))))
                continue
            try:
                with transaction.atomic():
                    outcome.recorded.append(
                        invoice_record(
                            order=order,
                            number=cleaned["invoice_number"] or "",
                            issued_on=cleaned["issued_on"],
                            amount=cleaned["amount"],
                            tax_amount=(
                                cleaned["tax_amount"] if cleaned["tax_amount"] is not None else ZERO
                            ),
                            buyer_name=cleaned["buyer_name"] or "",
                            actor=actor,
                        )
                    )
            except DomainError as problem:
                errors.append(RowError(line_no, problem.message))
        if errors:
            raise StatementRejected.from_errors(errors, file_name=file_name)
        if dry_run:
            transaction.set_rollback(True)
    return outcome
