"""import-export resources of the channels app: product aliases, and the POS template.

Aliases are imported and exported in the admin (Channels → Product aliases). The POS
spreadsheet is not imported through import-export's row-by-row path (a peak day needs the bulk
pipeline); its resource only defines the template the admin offers for download, from the
same column list the POS adapter reads.
"""
from __future__ import annotations

import tablib
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from orders.models import Channel, Product

from orderhub.core.spreadsheets import header_name, header_names

from channels.adapters.pos import POS_COLUMNS
from channels.models import SkuAlias


class SkuAliasResource(resources.ModelResource):
    """One alias a row: the alias, the master SKU, and the channel code (empty: all).

    The columns are headed in the reader's language (别名, SKU, 渠道); an import also takes
    them in the admin's other languages, and the codes ``alias``, ``sku``, ``channel``."""

    alias = fields.Field(attribute="alias", column_name=_("alias"))
    sku = fields.Field(attribute="product", column_name="SKU",
                       widget=widgets.ForeignKeyWidget(Product, field="sku"))
    channel = fields.Field(attribute="channel", column_name=_("channel"),
                           widget=widgets.ForeignKeyWidget(Channel, field="code"))

    class Meta:
        model = SkuAlias
        fields = ("alias", "sku", "channel")
        import_id_fields = ("alias", "channel")
        skip_unchanged = True
        report_skipped = True

    def before_import(self, dataset, **kwargs) -> None:
        # Each known header, in any language or as a code, becomes the column's active name.
        names = header_names(self.fields, lambda name: self.fields[name].column_name)
        dataset.headers = [
            str(self.fields[name].column_name) if name in self.fields else name
            for name in (header_name(names, header) for header in dataset.headers or [])]

    def before_import_row(self, row, **kwargs) -> None:
        # An empty channel cell means "every channel" (NULL), not a channel with code "".
        channel = str(self.fields["channel"].column_name)
        if not (row.get(channel) or "").strip():
            row[channel] = None


class PosTemplateResource(resources.Resource):
    """The POS spreadsheet template: the columns' Chinese labels, one example row."""

    def template(self) -> tablib.Dataset:
        example = {
            "order_no": "S20260128-0001", "store": "南京西路店", "ordered_at": "2026-01-28 14:30:00",
            "status": "completed", "member_no": "M000123", "member_phone": "13800138000",
            "customer_name": "王小姐", "sku": "SKU-TEE-WHITE-L", "title": "纯棉T恤 白 L",
            "quantity": "1", "unit_price": "99.00", "paid_amount": "99.00",
        }
        sheet = tablib.Dataset(headers=[column.label for column in POS_COLUMNS],
                               title="orders")
        sheet.append([example.get(column.key, "") for column in POS_COLUMNS])
        return sheet

    def help_sheet(self) -> tablib.Dataset:
        sheet = tablib.Dataset(headers=["column", "key", "required", "meaning"], title="help")
        for column in POS_COLUMNS:
            sheet.append([column.label, column.key, "yes" if column.required else "",
                          column.help])
        return sheet
