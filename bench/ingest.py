"""Ingestion benchmark (DESIGN.md section 6): a 12,437-order peak day through the batch API,
and the same orders through django-import-export's default row-by-row import.

Run on a PostgreSQL database of its own (it truncates the order tables), e.g.::

    createdb -h 127.0.0.1 -U postgres orderhub_bench_ingest
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderhub_bench_ingest \\
        .venv/bin/python -m bench.ingest

Orders come from all eleven channels in their own documented formats (TOP, JOS, Pinduoduo,
抖店 envelopes, Shopify webhook bodies, mini-program JSON, POS csv, Amazon getOrders with
getOrderItems, Shopee get_order_detail, Lazada /orders/get with /orders/items/get; the two
that come in parts post both calls' answers in one body), one to four lines each,
from a pool of buyers of whom a quarter order more than once (identity matching and duplicate
flags have work). They are posted page by page through the full HTTP stack (URL routing, token
authentication, the stored delivery, the existing-order lookup, history rows). Targets: the
API path within 5 s (≥ 2,400 orders/s) and at least 20× faster than the row-by-row import.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import io
import json
import os
import random
import time
from collections import defaultdict
from decimal import Decimal

from bench.common import api_token, database_url, fail, setup_django

CHANNEL_SHARE = {"tmall": 0.235, "taobao": 0.14, "jd": 0.2, "pdd": 0.15, "douyin": 0.16,
                 "miniprogram": 0.04, "pos": 0.02, "shopify": 0.01, "amazon": 0.02,
                 "shopee": 0.015, "lazada": 0.01}
BEIJING = dt.timezone(dt.timedelta(hours=8))
PROVINCES = [("浙江省", "杭州市", "西湖区"), ("广东省", "深圳市", "南山区"), ("北京", "北京市", "朝阳区"),
             ("四川省", "成都市", "武侯区"), ("上海市", "上海市", "浦东新区")]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=12_437)
    parser.add_argument("--page", type=int, default=1_000, help="orders per API request")
    parser.add_argument("--workers", type=int, default=2,
                        help="web workers taking the pages at once (the target machine has 2 "
                             "cores); the single-worker figure is printed too")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--seed", type=int, default=20260128)
    return parser.parse_args()


# --- the peak day -----------------------------------------------------------------------------
def make_day(count: int, rng: random.Random, skus: list[str]) -> list[dict]:
    """Neutral order specs; each channel's builder writes them in its own format."""
    # Each buyer has an address of their own (a shared one would merge their parcels).
    people = [{"phone": f"13{rng.randrange(10**9):09d}", "name": f"客户{i}", "uid": f"u{i:07d}",
               "street": f"文{i % 97}路{i // 97 + 1}号", "street_en": f"{i + 1} Main St"}
              for i in range(int(count * 0.8))]
    codes = list(CHANNEL_SHARE)
    weights = list(CHANNEL_SHARE.values())
    start = dt.datetime(2026, 1, 28, 0, 0, tzinfo=BEIJING)
    specs = []
    for index in range(count):
        person = people[rng.randrange(len(people))] if rng.random() < 0.25 else \
            people[index % len(people)]
        lines = [(rng.choice(skus), rng.randint(1, 3), Decimal(rng.randrange(990, 39900)) / 100)
                 for _ in range(rng.randint(1, 4))]
        placed = start + dt.timedelta(seconds=index * 86400 // count)
        specs.append({"channel": rng.choices(codes, weights)[0], "no": f"{9_000_000 + index}",
                      "person": person, "lines": lines, "placed": placed,
                      "area": PROVINCES[index % len(PROVINCES)]})
    return specs


def _yuan(value: Decimal) -> str:
    return f"{value:.2f}"


def _goods(spec) -> Decimal:
    return sum((price * qty for _sku, qty, price in spec["lines"]), Decimal("0"))


def top(spec) -> dict:
    p, (prov, city, dist) = spec["person"], spec["area"]
    t = spec["placed"].strftime("%Y-%m-%d %H:%M:%S")
    return {"tid": int("38" + spec["no"] + "12345678"), "tid_str": "38" + spec["no"] + "12345678",
            "status": "WAIT_SELLER_SEND_GOODS", "created": t, "pay_time": t, "modified": t,
            "total_fee": _yuan(_goods(spec)), "post_fee": "0.00", "discount_fee": "0.00",
            "payment": _yuan(_goods(spec)), "alipay_no": "2026" + spec["no"],
            "buyer_open_uid": "AAH" + p["uid"], "receiver_name": p["name"],
            "receiver_state": prov, "receiver_city": city, "receiver_district": dist,
            "receiver_address": p["street"], "receiver_mobile": p["phone"],
            "orders": {"order": [{"oid": i, "num_iid": 6890000 + i, "sku_id": f"50{i}",
                                  "outer_sku_id": sku, "title": f"商品 {sku}", "price": _yuan(price),
                                  "num": qty, "refund_status": "NO_REFUND"}
                                 for i, (sku, qty, price) in enumerate(spec["lines"])]}}


def jd(spec) -> dict:
    p, (prov, city, dist) = spec["person"], spec["area"]
    t = spec["placed"].strftime("%Y-%m-%d %H:%M:%S")
    return {"orderId": "30" + spec["no"], "orderState": "WAIT_SELLER_STOCK_OUT",
            "orderTotalPrice": _yuan(_goods(spec)), "orderPayment": _yuan(_goods(spec)),
            "freightPrice": "0.00", "sellerDiscount": "0.00", "orderStartTime": t,
            "paymentConfirmTime": t, "modified": t, "open_id_buyer": "jd" + p["uid"],
            "consigneeInfo": {"fullname": p["name"], "mobile": p["phone"][:3] + "****"
                              + p["phone"][-4:], "province": prov, "city": city,
                              "county": dist, "fullAddress": p["street"]},
            "itemInfoList": [{"skuId": f"1000{i}", "outerSkuId": sku, "skuName": f"商品 {sku}",
                              "jdPrice": _yuan(price), "itemTotal": str(qty)}
                             for i, (sku, qty, price) in enumerate(spec["lines"])]}


def pdd(spec) -> dict:
    p, (prov, city, dist) = spec["person"], spec["area"]
    t = spec["placed"].strftime("%Y-%m-%d %H:%M:%S")
    return {"order_sn": "260128-" + spec["no"], "order_status": 1, "refund_status": 1,
            "pay_amount": float(_goods(spec)), "goods_amount": float(_goods(spec)),
            "discount_amount": 0, "postage": 0, "created_time": t, "pay_time": t, "updated_at": t,
            "receiver_name": p["name"], "receiver_phone": p["phone"], "province": prov,
            "city": city, "town": dist, "receiver_address": p["street"],
            "item_list": [{"goods_id": 1234 + i, "sku_id": 5678 + i, "outer_id": sku,
                           "goods_name": f"商品 {sku}", "goods_price": float(price),
                           "goods_count": qty}
                          for i, (sku, qty, price) in enumerate(spec["lines"])]}


def douyin(spec) -> dict:
    p, (prov, city, dist) = spec["person"], spec["area"]
    seconds = int(spec["placed"].timestamp())
    fen = int(_goods(spec) * 100)
    return {"order_id": "69182" + spec["no"] + "0123", "order_status": 2, "order_amount": fen,
            "pay_amount": fen, "post_amount": 0, "promotion_amount": 0, "create_time": seconds,
            "pay_time": seconds, "update_time": seconds, "doudian_open_id": "dy" + p["uid"],
            "post_receiver": p["name"], "post_tel": p["phone"][:3] + "****" + p["phone"][-4:],
            "post_addr": {"province": {"name": prov}, "city": {"name": city},
                          "town": {"name": dist}, "detail": p["street"]},
            "sku_order_list": [{"sku_id": 17400 + i, "out_sku_id": sku, "product_name": f"商品 {sku}",
                                "item_num": qty, "origin_amount": int(price * 100),
                                "sum_amount": int(price * 100) * qty}
                               for i, (sku, qty, price) in enumerate(spec["lines"])]}


def shopify(spec) -> dict:
    p = spec["person"]
    t = spec["placed"].isoformat()
    goods = _goods(spec)
    return {"id": int("58" + spec["no"] + "12345678"), "name": "#" + spec["no"], "currency": "USD",
            "created_at": t, "updated_at": t, "processed_at": t, "financial_status": "paid",
            "fulfillment_status": None, "total_line_items_price": _yuan(goods),
            "total_discounts": "0.00", "total_price": _yuan(goods),
            "customer": {"id": int("72" + p["uid"][1:] + "123456789")},
            "shipping_address": {"name": p["name"], "address1": p["street_en"], "city": "Ottawa",
                                 "province": "Ontario", "country_code": "CA",
                                 "phone": "+1613555" + p["phone"][-4:]},
            "line_items": [{"variant_id": 44700 + i, "sku": sku, "title": f"Item {sku}",
                            "quantity": qty, "price": _yuan(price)}
                           for i, (sku, qty, price) in enumerate(spec["lines"])]}


def amazon(spec) -> tuple[dict, dict]:
    """getOrders' Order and the getOrderItems answer of one order."""
    p = spec["person"]
    t = spec["placed"].astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    number = f"114-{spec['no']}-{spec['no'][::-1]}"
    ship_by = (spec["placed"] + dt.timedelta(days=2)).astimezone(dt.timezone.utc)
    goods = _goods(spec)
    order = {"AmazonOrderId": number, "PurchaseDate": t, "LastUpdateDate": t,
             "OrderStatus": "Unshipped", "FulfillmentChannel": "MFN",
             "OrderTotal": {"CurrencyCode": "USD", "Amount": _yuan(goods)},
             "MarketplaceId": "ATVPDKIKX0DER",
             "LatestShipDate": ship_by.strftime("%Y-%m-%dT%H:%M:%SZ"),
             "ShippingAddress": {"Name": p["name"], "AddressLine1": p["street_en"],
                                 "City": "Seattle", "StateOrRegion": "WA",
                                 "PostalCode": "98101", "CountryCode": "US",
                                 "Phone": "+1206555" + p["phone"][-4:]},
             "BuyerInfo": {"BuyerEmail": p["uid"] + "@marketplace.amazon.com"}}
    items = {"payload": {"AmazonOrderId": number, "OrderItems": [
        {"ASIN": f"B0{i:08d}", "SellerSKU": sku, "OrderItemId": f"{spec['no']}{i:03d}",
         "Title": f"Item {sku}", "QuantityOrdered": qty,
         "ItemPrice": {"CurrencyCode": "USD", "Amount": _yuan(price * qty)}}
        for i, (sku, qty, price) in enumerate(spec["lines"])]}}
    return order, items


def shopee(spec) -> dict:
    p = spec["person"]
    t = int(spec["placed"].timestamp())
    goods = _goods(spec)
    return {"order_sn": f"260128{spec['no']}SG", "region": "SG", "currency": "SGD",
            "total_amount": float(goods), "order_status": "READY_TO_SHIP", "create_time": t,
            "update_time": t, "pay_time": t, "ship_by_date": t + 3 * 86400,
            "buyer_user_id": int(p["uid"][1:]) + 10**9,
            "recipient_address": {"name": p["name"], "phone": "65" + p["phone"][-8:],
                                  "city": "Singapore", "region": "SG", "zipcode": "560123",
                                  "full_address": p["street_en"]},
            "item_list": [{"item_id": 2200000 + i, "item_name": f"Item {sku}",
                           "model_id": 0, "model_sku": sku, "model_quantity_purchased": qty,
                           "model_discounted_price": float(price)}
                          for i, (sku, qty, price) in enumerate(spec["lines"])]}


def lazada(spec) -> tuple[dict, dict]:
    """/orders/get's order and /orders/items/get's entry of one order (one item per unit)."""
    p = spec["person"]
    t = spec["placed"].strftime("%Y-%m-%d %H:%M:%S +0800")
    number = int("4732" + spec["no"])
    goods = _goods(spec)
    order = {"order_id": number, "order_number": number, "created_at": t, "updated_at": t,
             "price": f"{goods:,.2f}", "shipping_fee": 0, "voucher": 0,
             "statuses": ["pending"], "buyer_id": int(p["uid"][1:]) + 3 * 10**11,
             "address_shipping": {"first_name": p["name"], "last_name": "",
                                  "phone": "60" + p["phone"][-9:], "address1": p["street_en"],
                                  "address3": "Kuala Lumpur", "city": "Kuala Lumpur",
                                  "post_code": "50450", "country": "Malaysia"}}
    items = [{"order_item_id": number * 100 + i * 10 + unit, "order_id": number,
              "name": f"Item {sku}", "sku": sku, "item_price": float(price), "currency": "MYR",
              "status": "pending", "created_at": t, "updated_at": t}
             for i, (sku, qty, price) in enumerate(spec["lines"]) for unit in range(qty)]
    return order, {"order_id": number, "order_number": number, "order_items": items}


def miniprogram(spec) -> dict:
    p, (prov, city, dist) = spec["person"], spec["area"]
    t = spec["placed"].isoformat()
    goods = _goods(spec)
    return {"order_no": "MP" + spec["no"], "status": "paid", "created_at": t, "paid_at": t,
            "updated_at": t, "transaction_id": "4200" + spec["no"],
            "amounts": {"goods": _yuan(goods), "paid": _yuan(goods)},
            "buyer": {"openid": "o" + p["uid"], "phone": p["phone"]},
            "receiver": {"name": p["name"], "phone": p["phone"], "province": prov, "city": city,
                         "district": dist, "address": p["street"]},
            "lines": [{"sku": sku, "title": f"商品 {sku}", "quantity": qty,
                       "unit_price": _yuan(price)} for sku, qty, price in spec["lines"]]}


def pos_rows(spec) -> list[list[str]]:
    p = spec["person"]
    t = spec["placed"].strftime("%Y-%m-%d %H:%M:%S")
    return [["POS" + spec["no"], "旗舰店", t, "completed", p["uid"], p["phone"], sku,
             f"商品 {sku}", str(qty), _yuan(price)] for sku, qty, price in spec["lines"]]


def page_body(code: str, specs: list[dict]) -> tuple[bytes, str]:
    """One API request's body in the channel's own format."""
    if code in ("taobao", "tmall"):
        payload = {"trades_sold_get_response": {"total_results": len(specs), "has_next": True,
                                                "trades": {"trade": [top(s) for s in specs]}}}
    elif code == "jd":
        payload = {"jingdong_pop_order_search_responce": {"searchorderinfo_result": {
            "orderInfoList": [jd(s) for s in specs], "orderTotal": len(specs)}}}
    elif code == "pdd":
        payload = {"order_list_get_response": {"order_list": [pdd(s) for s in specs]}}
    elif code == "douyin":
        payload = {"code": 10000, "data": {"shop_order_list": [douyin(s) for s in specs]}}
    elif code == "shopify":
        payload = [shopify(s) for s in specs]
    elif code == "amazon":
        pairs = [amazon(s) for s in specs]
        payload = [{"payload": {"Orders": [order for order, _items in pairs]}},
                   *(items for _order, items in pairs)]
    elif code == "shopee":
        payload = {"request_id": "bench", "error": "", "message": "",
                   "response": {"order_list": [shopee(s) for s in specs]}}
    elif code == "lazada":
        pairs = [lazada(s) for s in specs]
        payload = [{"code": "0", "data": {"count": len(pairs),
                                          "orders": [order for order, _items in pairs]}},
                   {"code": "0", "data": [items for _order, items in pairs]}]
    elif code == "miniprogram":
        payload = [miniprogram(s) for s in specs]
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["订单号", "门店", "下单时间", "状态", "会员号", "会员手机", "商品编码",
                         "商品名称", "数量", "单价"])
        for spec in specs:
            writer.writerows(pos_rows(spec))
        return out.getvalue().encode("utf-8-sig"), "text/csv"
    return json.dumps(payload, ensure_ascii=False).encode(), "application/json"


# --- the two paths ------------------------------------------------------------------------------
def reset_tables() -> None:
    from django.db import connection

    from channels.models import (ChannelOrderPart, ChannelOrderState, CustomerIdentity,
                                 Delivery, IdentityMerge, RefusedDelivery)
    from orderhub.alerts.models import Alert
    from orders.models import Customer, GiftOrder, HubNumberSerial, Order, OrderLine, OrderTag

    models = [ChannelOrderPart, ChannelOrderState, CustomerIdentity, IdentityMerge, Delivery,
              RefusedDelivery,
              OrderTag, Alert, GiftOrder, OrderLine, Order, Customer, HubNumberSerial]
    tables = [m._meta.db_table for m in models]
    tables += [m.history.model._meta.db_table for m in (Order, OrderLine, Customer, GiftOrder)]
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE")


def prepare_catalogue(rng: random.Random) -> list[str]:
    from orders.models import Product, ProductAlias

    skus = [f"SKU-{i:04d}" for i in range(300)]
    existing = set(Product.objects.values_list("sku", flat=True))
    Product.objects.bulk_create([Product(sku=s, name=f"商品 {s}") for s in skus
                                 if s not in existing])
    products = {p.sku: p for p in Product.objects.filter(sku__in=skus)}
    ProductAlias.objects.filter(alias__startswith="ALIAS-").delete()
    ProductAlias.objects.bulk_create([ProductAlias(product=products[s], alias=f"ALIAS-{s}")
                                      for s in skus[:100]])
    # A few SKUs the channels sell that nobody mapped yet: flagged, never dropped.
    return skus + ["UNMAPPED-1", "UNMAPPED-2"]


def _client():
    from django.test import Client

    token = api_token("bench-erp", "integrator")
    return Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="localhost")


def _requests(specs: list[dict], page: int) -> list[tuple[str, bytes, str]]:
    by_channel = defaultdict(list)
    for spec in specs:
        by_channel[spec["channel"]].append(spec)
    return [(code, *page_body(code, chunk[i:i + page]))
            for code, chunk in by_channel.items() for i in range(0, len(chunk), page)]


def _post_all(requests) -> tuple[int, float]:
    """Post the requests one after the other: (orders created, Django CPU)."""
    client = _client()
    cpu = time.process_time()
    created = sum(_post(client, request) for request in requests)
    return created, time.process_time() - cpu


def _post(client, request) -> int:
    """Post one page; the orders it created."""
    code, body, content_type = request
    # secure: production settings redirect plain http (SECURE_SSL_REDIRECT).
    response = client.post(f"/api/channels/{code}/orders/", data=body,
                           content_type=content_type, secure=True)
    if response.status_code != 200:
        raise SystemExit(f"{code}: {response.status_code} {response.content[:500]!r}")
    return response.json()["created"]


def warm_up() -> None:
    """One empty page through the stack before anything is timed: a server's workers have
    imported the API's modules and loaded their rule snapshots before the peak day begins."""
    _post(_client(), ("jd", b"[]", "application/json"))


def _worker(requests, queue, start, results) -> None:
    """One web worker: takes the next page as soon as it is free, as a server's worker takes
    the next request, until none is left."""
    from django.db import connections

    client = _client()
    start.wait()
    cpu, created = time.process_time(), 0
    while (index := queue.get()) is not None:
        created += _post(client, requests[index])
    results.put((created, time.process_time() - cpu, time.perf_counter()))
    connections.close_all()


def api_path(specs: list[dict], page: int, workers: int = 1) -> tuple[float, int]:
    """Post the day's pages through the full stack with ``workers`` processes at once (as
    that many web workers would take them); returns (wall seconds, orders created)."""
    import multiprocessing

    from django.db import connections

    requests = _requests(specs, page)
    # The day's pages and specs are the client's, not the server's: out of the collector's
    # sight, so that its full collections during the run cost what a server's would.
    gc.collect()
    gc.freeze()
    database_cpu = _database_server_cpu()
    if workers == 1:
        started = time.perf_counter()
        created, python_cpu = _post_all(requests)
        elapsed = time.perf_counter() - started
    else:
        connections.close_all()  # each forked worker opens its own connection
        context = multiprocessing.get_context("fork")
        start, queue, results = context.Event(), context.Queue(), context.Queue()
        # Biggest pages first, so that the last ones taken are small.
        for index in sorted(range(len(requests)), key=lambda i: -len(requests[i][1])):
            queue.put(index)
        for _ in range(workers):
            queue.put(None)
        processes = [context.Process(target=_worker, args=(requests, queue, start, results))
                     for _ in range(workers)]
        for process in processes:
            process.start()
        time.sleep(0.5)  # the workers are forked and waiting
        started = time.perf_counter()
        start.set()
        outcomes = [results.get() for _ in processes]
        elapsed = time.perf_counter() - started
        print("  workers done after " + ", ".join(f"{o[2] - started:.2f} s" for o in outcomes))
        for process in processes:
            process.join()
        created = sum(o[0] for o in outcomes)
        python_cpu = sum(o[1] for o in outcomes)
    postgres_cpu = _database_server_cpu() - database_cpu
    print(f"  work done: {python_cpu:.2f} s CPU in Django + {postgres_cpu:.2f} s CPU in "
          f"PostgreSQL = {python_cpu + postgres_cpu:.2f} s; wall {elapsed:.2f} s with "
          f"{workers} worker(s) (load average now {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores)")
    return elapsed, created


def _database_server_cpu() -> float:
    """CPU seconds the local PostgreSQL server has used so far: every ``postgres`` process
    (backends, WAL writer, checkpointer) and the backends that have ended. With other work on
    the machine, wall time says little; CPU time says what this costs. A web request may open
    a connection of its own, so one backend's figure would miss work; the whole server's
    includes whatever else uses it meanwhile (run on a quiet server). ``nan`` when the server
    is not on this machine."""
    ticks, seen = 0, False
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                name, rest = stat.read().split(" (", 1)[1].rsplit(") ", 1)
        except OSError:
            continue  # ended meanwhile, or not ours to read
        if name.startswith("postgres"):
            fields = rest.split()
            # utime, stime, and the same for reaped children (fields 14-17 of proc(5))
            ticks += sum(int(value) for value in fields[11:15])
            seen = True
    return ticks / os.sysconf("SC_CLK_TCK") if seen else float("nan")


def export_datasets():
    """The orders the API path created, as the flat sheets an import-export user would load."""
    import tablib

    from orders.models import Order, OrderLine

    order_fields = ["hub_no", "channel_order_no", "currency", "goods_amount", "shipping_amount",
                    "discount_amount", "paid_amount", "payment_serial_no", "receiver_name",
                    "receiver_phone", "receiver_province", "receiver_city", "receiver_district",
                    "receiver_address", "placed_at", "paid_at", "buyer_note", "channel_status"]
    orders = tablib.Dataset(headers=["id", "channel"] + order_fields)
    for row in Order.objects.select_related("channel").order_by("pk").values_list(
            "channel__code", *order_fields):
        orders.append(["", *row])
    lines = tablib.Dataset(headers=["id", "order", "sku", "channel_sku", "title", "quantity",
                                    "unit_price", "amount"])
    for row in OrderLine.objects.order_by("pk").values_list(
            "order__hub_no", "sku", "channel_sku", "title", "quantity", "unit_price", "amount"):
        lines.append(["", *row])
    return orders, lines


def import_export_path(orders, lines) -> float:
    from import_export import fields, resources, widgets

    from orders.models import Channel, Order, OrderLine

    class OrderResource(resources.ModelResource):
        channel = fields.Field("channel", "channel", widgets.ForeignKeyWidget(Channel, "code"))

        class Meta:
            model = Order
            fields = ["id", "channel", *orders.headers[2:]]

    class OrderLineResource(resources.ModelResource):
        order = fields.Field("order", "order", widgets.ForeignKeyWidget(Order, "hub_no"))

        class Meta:
            model = OrderLine
            fields = lines.headers

    started = time.perf_counter()
    for resource, dataset in ((OrderResource(), orders), (OrderLineResource(), lines)):
        result = resource.import_data(dataset, dry_run=False, raise_errors=True)
        if result.has_errors() or result.has_validation_errors():
            raise SystemExit(f"import-export refused rows: {result.invalid_rows[:3]}")
    return time.perf_counter() - started


def main() -> None:
    args = parse_args()
    database_url()
    # Forked workers cannot share a connection pool (its threads do not survive a fork):
    # plain connections, one per worker, as separate web worker processes would have.
    os.environ["DB_POOL"] = "0"
    setup_django()
    from django.core.management import call_command

    from orders.models import Order, OrderLine

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    warm_up()
    reset_tables()
    skus = prepare_catalogue(rng)
    specs = make_day(args.orders, rng, skus)
    print(f"Peak day: {len(specs):,} orders, {sum(len(s['lines']) for s in specs):,} lines, "
          f"{len({s['channel'] for s in specs})} channels, pages of {args.page}")
    one, created = api_path(specs, args.page, workers=1)
    print(f"batch API, 1 worker  : {created:,} orders in {one:6.2f} s = "
          f"{created / one:8,.0f} orders/s")
    again, _ = api_path(specs, args.page)
    print(f"same day again       : {len(specs):,} re-deliveries in {again:6.2f} s (nothing "
          f"duplicated: {Order.objects.count():,} orders)")
    seconds = one
    if args.workers > 1:
        reset_tables()
        seconds, created = api_path(specs, args.page, workers=args.workers)
        print(f"batch API, {args.workers} workers : {created:,} orders in {seconds:6.2f} s = "
              f"{created / seconds:8,.0f} orders/s")
    print(f"target <= 5 s (>= 2,400 orders/s): {'PASS' if seconds <= 5 else 'FAIL'}")
    if args.skip_baseline:
        return
    orders, lines = export_datasets()
    reset_tables()
    baseline = import_export_path(orders, lines)
    if (Order.objects.count(), OrderLine.objects.count()) != (len(orders), len(lines)):
        fail(f"import-export imported {Order.objects.count()} orders and "
             f"{OrderLine.objects.count()} lines of {len(orders)} and {len(lines)}")
    print(f"import-export, row by row: {len(orders):,} orders + {len(lines):,} lines in "
          f"{baseline:6.2f} s = {len(orders) / baseline:8,.0f} orders/s")
    ratio = baseline / one
    print(f"speed-up (1 worker vs import-export): {ratio:5.1f}x  (target >= 20x: "
          f"{'PASS' if ratio >= 20 else 'FAIL'})")


if __name__ == "__main__":
    main()
