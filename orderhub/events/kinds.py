"""Event kinds as staff read them.

A kind (``order.status_changed``) is a code: the apps record and handle it by that name, and
integrators subscribe to it (``orderhub.webhooks.registry``). The admin shows each by its label,
with the code beside it as small print (``<code>``) for whoever matches it to the contract.
"""
from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

KIND_LABELS = {
    "order.created": _("Order created"),
    "order.status_changed": _("Order status changed"),
    "order.held": _("Order held"),
    "order.released": _("Order hold released"),
    "shipment.created": _("Parcel created"),
    "shipment.updated": _("Parcel updated"),
    "shipment.status_changed": _("Parcel status changed"),
    "shipment.returned": _("Parcel returned"),
    "shipment.return_updated": _("Return parcel updated"),
    "aftersales.created": _("After-sales case opened"),
    "aftersales.status_changed": _("After-sales case status changed"),
    "aftersales.refund_approved": _("After-sales refund approved"),
    "finance.statement_imported": _("Statement imported"),
    "finance.refund_matched": _("Refund matched on a statement"),
    "writeback.confirmed": _("Shipping write-back confirmed"),
    "writeback.failed": _("Shipping write-back failed"),
    "stock.changed": _("Stock changed"),
}


def kind_label(kind: str) -> str:
    """The kind's label in the active language, or the kind itself if it has none."""
    label = KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


def kind_html(kind: str) -> SafeString:
    """The label with the code after it in small print."""
    return format_html("{} <small><code>{}</code></small>", kind_label(kind), kind)
