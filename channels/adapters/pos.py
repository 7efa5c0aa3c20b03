"""Offline stores (POS): spreadsheets (xlsx or csv) in the hub's column template.

The template (``POS_COLUMNS``) is offered for download in the admin (Deliveries → Upload a
spreadsheet). One row per order line; rows with the same ``order_no`` make one order, whose
order-level columns are read from its first row. Headers may be the English keys or the
Chinese labels. Times are ``yyyy-MM-dd HH:mm:ss`` in Beijing time, money in yuan. The same rows
may also be posted as JSON objects keyed by the English column names.

Every bad row is reported with its row number (the header is row 1) and the reason; a file
with any bad row imports nothing.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import tablib

from orders.state_machine import Status

from channels.adapters import fields as f
from channels.adapters.base import (
    Adapter,
    CanonicalLine,
    CanonicalOrder,
    PayloadError,
    apply_status,
    parse_json,
    status_row,
)
from channels.models import CustomerIdentity


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the Chinese header the stores' staff know
    required: bool
    help: str


POS_COLUMNS: tuple[Column, ...] = (
    Column("order_no", "订单号", True, "Receipt or order number, unique per store system"),
    Column("store", "门店", False, "Store name or code"),
    Column("ordered_at", "下单时间", True, "yyyy-MM-dd HH:mm:ss, Beijing time"),
    Column("status", "状态", False, "completed (default), paid (to ship), cancelled, refunded"),
    Column("member_no", "会员号", False, "Store membership number"),
    Column("member_phone", "会员手机", False, "The member's own mobile"),
    Column("customer_name", "顾客姓名", False, ""),
    Column("sku", "商品编码", False, "The store's product code (mapped through aliases)"),
    Column("title", "商品名称", True, ""),
    Column("quantity", "数量", True, "Whole number"),
    Column("unit_price", "单价", True, "Yuan"),
    Column("line_amount", "行金额", False, "Yuan; default quantity × unit price"),
    Column("order_discount", "整单优惠", False, "Yuan, on the order's first row"),
    Column("paid_amount", "实收金额", False, "Yuan, on the order's first row"),
    Column("payment_serial_no", "支付流水号", False, "Alipay / WeChat Pay serial number"),
    Column("receiver_name", "收货人", False, "Only for orders shipped from a warehouse"),
    Column("receiver_phone", "收货电话", False, ""),
    Column("province", "省", False, ""),
    Column("city", "市", False, ""),
    Column("district", "区", False, ""),
    Column("address", "详细地址", False, ""),
    Column("note", "备注", False, ""),
)
_KEY_OF_HEADER = {c.key: c.key for c in POS_COLUMNS} | {c.label: c.key for c in POS_COLUMNS}

STATUS_TABLE = {
    # A counter sale: paid and handed over on the spot.
    "completed": status_row(Status.DELIVERED),
    "paid": status_row(Status.PAID),  # to be shipped from a warehouse
    "cancelled": status_row(Status.CANCELLED),
    "refunded": status_row(Status.REFUNDED),
}
XLSX_TYPES = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              "application/octet-stream")


@dataclass
class PosOrderRows:
    """The rows of one order (``rows`` are (row number, {key: value}) pairs)."""

    order_no: str
    rows: list[tuple[int, dict[str, Any]]]


def read_rows(*, body: bytes, content_type: str = "", filename: str = "") -> list[dict]:
    """The sheet's rows as dicts keyed by column key (xlsx, csv, or JSON objects)."""
    name = filename.lower()
    kind = content_type.split(";")[0].strip().lower()
    if name.endswith(".xlsx") or kind in XLSX_TYPES or body[:2] == b"PK":
        try:
            sheet = tablib.Dataset().load(io.BytesIO(body), format="xlsx")
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise PayloadError(f"The file is not a readable xlsx workbook ({exc}).") from None
        headers, rows = list(sheet.headers or []), [list(row) for row in sheet]
    elif name.endswith(".json") or kind == "application/json" or body.lstrip()[:1] in (b"[", b"{"):
        payload = parse_json(body)
        items = payload if isinstance(payload, list) else [payload]
        if not all(isinstance(item, Mapping) for item in items):
            raise PayloadError("POS rows posted as JSON must be objects keyed by column name.")
        return [{_KEY_OF_HEADER.get(str(k).strip(), str(k).strip()): v for k, v in item.items()}
                for item in items]
    else:
        text = _decode_text(body)
        table = list(csv.reader(io.StringIO(text)))
        if not table:
            raise PayloadError("The file is empty.")
        headers, rows = table[0], table[1:]
    keys = [_KEY_OF_HEADER.get(str(h or "").strip(), "") for h in headers]
    missing = [c.label + f" ({c.key})" for c in POS_COLUMNS if c.required and c.key not in keys]
    if missing:
        raise PayloadError(
            "The header row lacks required columns: " + ", ".join(missing)
            + ". Download the template from the admin."
        )
    return [
        {key: value for key, value in zip(keys, row) if key}
        for row in rows
        if any(cell not in (None, "") for cell in row)
    ]


def _decode_text(body: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves csv as GBK
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PayloadError("The csv file is neither UTF-8 nor GBK text.")


class PosAdapter(Adapter):
    platform = "pos"
    platform_name = "POS"
    documentation = ("The hub's POS template (channels/adapters/pos.py, admin download)",)
    STATUS_TABLE = STATUS_TABLE
    order_keys = ("order_no",)

    def read(self, *, body: bytes, content_type: str = "", filename: str = "") -> list[Any]:
        groups: dict[str, PosOrderRows] = {}
        for number, row in enumerate(read_rows(body=body, content_type=content_type,
                                               filename=filename), start=2):
            order_no = f.text(row.get("order_no")) if not isinstance(row.get("order_no"), float) \
                else str(int(row["order_no"]))
            key = order_no or f"(row {number})"
            groups.setdefault(key, PosOrderRows(order_no=order_no, rows=[])).rows.append(
                (number, row)
            )
        if not groups:
            raise PayloadError("The file has no order rows.")
        return list(groups.values())

    def order_no_of(self, raw: Any) -> str:
        return raw.order_no if isinstance(raw, PosOrderRows) else ""

    def to_canonical(self, raw: Any) -> CanonicalOrder:
        problems: list[str] = []
        lines: list[CanonicalLine] = []
        for number, row in raw.rows:
            try:
                lines.append(self._line(row, f"row {number}"))
            except f.FieldProblem as problem:
                problems.extend(problem.problems)
        first_number, first = raw.rows[0]
        where = f"row {first_number}"
        order = None
        try:
            order = self._order(raw.order_no, first, lines, where)
        except f.FieldProblem as problem:
            problems.extend(problem.problems)
        if problems:
            raise f.FieldProblem(*problems)
        return order

    def _order(self, order_no: str, row: dict, lines: list, where: str) -> CanonicalOrder:
        if not order_no:
            raise f.FieldProblem(f"{where}: order_no (订单号) is missing")
        code = (f.text(row.get("status"), f"{where}.status") or "completed").lower()
        mapping = self.map_status(code, f"{where}: status")
        discount = f.yuan(row.get("order_discount"), f"{where}: order_discount", default=f.ZERO)
        placed_at = f.beijing_time(f.required(row, "ordered_at", where), f"{where}: ordered_at")
        order = CanonicalOrder(
            channel_order_no=order_no,
            channel_status=code,
            status=Status.PENDING_PAYMENT,
            lines=lines,
            discount_amount=discount,
            paid_amount=f.yuan(row.get("paid_amount"), f"{where}: paid_amount"),
            payment_serial_no=f.text(row.get("payment_serial_no")),
            receiver={
                "name": f.text(row.get("receiver_name")) or f.text(row.get("customer_name")),
                "phone": f.text(row.get("receiver_phone")),
                "province": f.text(row.get("province")),
                "city": f.text(row.get("city")),
                "district": f.text(row.get("district")),
                "address": f.text(row.get("address")),
            },
            placed_at=placed_at,
            paid_at=placed_at if mapping.status != Status.CANCELLED else None,
            buyer_note=" ".join(filter(None, [f.text(row.get("store")), f.text(row.get("note"))])),
            member_phone=f.text(row.get("member_phone")),
        )
        member = f.text(row.get("member_no"))
        if member:
            order.buyer_ids.append((CustomerIdentity.Kind.POS_MEMBER, member))
        apply_status(order, mapping)
        return order

    def _line(self, row: dict, where: str) -> CanonicalLine:
        problems: list[str] = []
        values: dict[str, Any] = {}
        for key, reader in (
            ("title", lambda v, w: f.text(f.required(row, "title", where), w)),
            ("quantity", lambda v, w: f.quantity(v, w)),
            ("unit_price", lambda v, w: f.yuan(f.required(row, "unit_price", where), w)),
            ("line_amount", lambda v, w: f.yuan(v, w)),
        ):
            try:
                values[key] = reader(row.get(key), f"{where}: {key}")
            except f.FieldProblem as problem:
                problems.extend(problem.problems)
        if problems:
            raise f.FieldProblem(*problems)
        sku = row.get("sku")
        sku = str(int(sku)) if isinstance(sku, float) and sku.is_integer() else f.text(sku)
        return CanonicalLine(
            title=values["title"], quantity=values["quantity"], unit_price=values["unit_price"],
            amount=values["line_amount"], channel_sku=sku, outer_sku=sku,
        )
