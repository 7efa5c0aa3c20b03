"""Helpers of the shipment tests: packed orders, parcels, and the couriers' pushes built as
their documentation shows them (Kuaidi100's form ``param`` + ``sign``, SF's route JSON)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.utils import timezone

from logistics.shipments.models import Shipment
from logistics.shipments.services import shipment_label_print
from orders.state_machine import Status
from tests.factories import OrderFactory
from tests.logistics.fake_kuaidi100 import SALT

SF_NO = "SF1234567890123"
K100_URL = "/api/logistics/tracking/kuaidi100/"
SF_URL = "/api/logistics/tracking/sf/"
SF_TOKEN = "sf-push-token"


def labelled(capture, number: str = SF_NO, carrier: str = "SF", **order_fields) -> Shipment:
    """A packed order labelled (by the hub) with ``carrier`` ``number``: awaiting pickup; the
    events after commit run (``capture`` is pytest-django's on-commit fixture)."""
    order = OrderFactory(status=Status.PACKING, **order_fields)
    with capture(execute=True):
        return shipment_label_print(orders=[order], carrier_code=carrier, tracking_no=number,
                                    actor=None)


def k100_line(time: str, context: str, code: str = "", area: str = "") -> dict:
    line = {"context": context, "time": time, "ftime": time, "areaName": area}
    if code:
        line["statusCode"] = code
    return line


def k100_param(number: str, lines: list[dict], *, state: str = "0", com: str = "shunfeng",
               status: str = "polling") -> str:
    """A Kuaidi100 push's ``param`` (lines newest first, as Kuaidi100 sends them)."""
    return json.dumps({
        "status": status, "billstatus": "got", "message": "",
        "lastResult": {"message": "ok", "state": state, "status": "200", "condition": "F00",
                       "ischeck": "1" if state == "3" else "0", "com": com, "nu": number,
                       "data": lines}}, ensure_ascii=False)


def k100_form(param: str, salt: str = SALT) -> dict[str, str]:
    return {"param": param, "sign": hashlib.md5(f"{param}{salt}".encode()).hexdigest().upper()}


def sf_route(number: str, op_code: str, remark: str, at: str, *, address: str = "深圳市",
             reason: str = "", route_id: str = "1") -> dict:
    return {"id": route_id, "mailno": number, "orderid": "ORDER-1", "acceptTime": at,
            "acceptAddress": address, "remark": remark, "opCode": op_code,
            "reasonCode": "", "reasonName": reason}


def sf_body(*routes: dict) -> str:
    return json.dumps({"Body": {"WaybillRoute": list(routes)}}, ensure_ascii=False)


def ago(hours: float):
    return timezone.now() - dt.timedelta(hours=hours)
