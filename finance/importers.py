"""django-import-export resources: they parse and validate spreadsheets; services persist.

``InvoiceResource`` is the column template for importing invoices issued outside the hub (one
row per fully digital invoice). Statements have theirs in ``finance.parsers.generic``.
"""
from __future__ import annotations

from import_export import resources, widgets
from import_export.fields import Field


class InvoiceResource(resources.Resource):
    """Columns: hub_no, invoice_number (20 digits), issued_on, amount, tax_amount, buyer_name."""

    hub_no = Field(attribute="hub_no", column_name="hub_no", widget=widgets.CharWidget())
    invoice_number = Field(
        attribute="invoice_number", column_name="invoice_number", widget=widgets.CharWidget()
    )
    issued_on = Field(
        attribute="issued_on", column_name="issued_on", widget=widgets.DateWidget(format="%Y-%m-%d")
    )
    amount = Field(attribute="amount", column_name="amount", widget=widgets.DecimalWidget())
    tax_amount = Field(
        attribute="tax_amount", column_name="tax_amount", widget=widgets.DecimalWidget()
    )
    buyer_name = Field(
        attribute="buyer_name", column_name="buyer_name", widget=widgets.CharWidget()
    )

    class Meta:
        fields = ("hub_no", "invoice_number", "issued_on", "amount", "tax_amount", "buyer_name")
        export_order = fields
