"""django-import-export resources: they parse and validate spreadsheets; services persist.

``InvoiceResource`` is the column template for importing invoices issued outside the hub (one
row per fully digital invoice). Statements have theirs in ``finance.parsers.generic``.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from import_export import resources, widgets
from import_export.fields import Field

from orderhub.core.spreadsheets import header_names


class InvoiceResource(resources.Resource):
    """Columns: hub_no, invoice_number (20 digits), issued_on, amount, tax_amount, buyer_name
    (optional), headed in the reader's language (中枢订单号, 发票号码（20 位）, …); an import
    takes those headers in every language of the admin, and these codes."""

    hub_no = Field(attribute="hub_no", column_name=_("Hub order number"),
                   widget=widgets.CharWidget())
    invoice_number = Field(attribute="invoice_number", column_name=_("Invoice number (20 digits)"),
                           widget=widgets.CharWidget())
    issued_on = Field(attribute="issued_on", column_name=_("Issued on"),
                      widget=widgets.DateWidget(format="%Y-%m-%d"))
    amount = Field(attribute="amount", column_name=_("Amount including tax"),
                   widget=widgets.DecimalWidget())
    tax_amount = Field(attribute="tax_amount", column_name=_("Tax"),
                       widget=widgets.DecimalWidget())
    buyer_name = Field(attribute="buyer_name", column_name=_("Buyer (invoice title)"),
                       widget=widgets.CharWidget())

    class Meta:
        fields = ("hub_no", "invoice_number", "issued_on", "amount", "tax_amount", "buyer_name")
        export_order = fields

    @classmethod
    def label(cls, name: str) -> str:
        """A column's header in the active language."""
        return str(cls.fields[name].column_name)

    @classmethod
    def header_names(cls) -> dict[str, str]:
        return header_names(cls.Meta.fields, cls.label)
