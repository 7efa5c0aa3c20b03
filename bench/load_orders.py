"""Load N realistic orders (default 1,000,000) into a PostgreSQL bench database, with history.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderhub_bench \\
        .venv/bin/python -m bench.load_orders [--orders N] [--force]

The database is created if missing and migrated. Rows go in with psycopg's COPY, batch by
batch (one transaction each), into the tables Django made, with every history row that the
services would have written: the customer and each line get a "created" row, each order one row
per step of its life (created, paid, picking, ..., and holds), so ``order_timeline`` shows a
real timeline. Columns come from the models' ``_meta``, so fields added later get their
defaults. Ids are reserved from each table's own sequence and the daily hub-number counters
are advanced past the numbers used, so the services keep working on the loaded database.

The data: 8 channels with realistic shares and number formats, a year of orders with weekend
and promotion-day peaks, ids growing with time (as in production), statuses that follow the
order's age, phones with 1-5 orders each, unique hub, channel-order and tracking numbers,
1-3 lines per order. Everything is marked as written by the user ``bench-loader``; a database
holding orders from anyone else is refused unless ``--force``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from operator import itemgetter
from zoneinfo import ZoneInfo

from psycopg import sql

from bench import common

common.setup_django()

# Models and Django's connection can be imported only once Django is set up (above).
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402

from orders.models import (  # noqa: E402
    Channel, Customer, Hold, HubNumberSerial, Order, OrderLine, Product,
)
from orders.state_machine import MOVES_BY_NAME, Status  # noqa: E402

BENCH_USERNAME = "bench-loader"
CREATED_REASON = "bench: loaded by bench/load_orders.py"
TZ = ZoneInfo(settings.TIME_ZONE)

# Share of orders per channel code (a Taobao-heavy seller, as in DESIGN.md section 1).
CHANNEL_SHARES = {
    "taobao": 24, "tmall": 16, "jd": 16, "pdd": 14, "douyin": 16, "miniprogram": 7, "pos": 4,
    "shopify": 3,
}
# Promotion days (month, day) and how many times a normal day's volume they bring.
PEAK_DAYS = {(11, 11): 8.0, (11, 10): 2.0, (11, 12): 2.5, (6, 18): 6.0, (12, 12): 4.0,
             (3, 8): 3.0, (1, 1): 1.5}
WEEKEND_FACTOR = 1.15

# Final status by the order's age: (up to this many hours old, [(status, weight), ...]).
STATUS_BY_AGE: list[tuple[float, list[tuple[str, float]]]] = [
    (0.5, [(Status.PENDING_PAYMENT, 40), (Status.PAID, 60)]),
    (24, [(Status.PENDING_PAYMENT, 4), (Status.PAID, 20), (Status.RISK_REVIEW, 2),
          (Status.PICKING, 15), (Status.PACKING, 12), (Status.AWAITING_PICKUP, 20),
          (Status.IN_TRANSIT, 24), (Status.CANCELLED, 3)]),
    (72, [(Status.AWAITING_PICKUP, 3), (Status.IN_TRANSIT, 55), (Status.DELIVERED, 36),
          (Status.CANCELLED, 4), (Status.REFUNDED, 2)]),
    (24 * 7, [(Status.IN_TRANSIT, 8), (Status.DELIVERED, 62), (Status.INVOICED, 20),
              (Status.CANCELLED, 5), (Status.REFUNDED, 5)]),
    (24 * 30, [(Status.DELIVERED, 25), (Status.INVOICED, 28), (Status.SETTLED, 37),
               (Status.CANCELLED, 5), (Status.REFUNDED, 5)]),
    (24 * 90, [(Status.SETTLED, 35), (Status.ARCHIVED, 55), (Status.CANCELLED, 5),
               (Status.REFUNDED, 5)]),
    (float("inf"), [(Status.ARCHIVED, 25), (Status.CLOSED, 65), (Status.CANCELLED, 5),
                    (Status.REFUNDED, 5)]),
]
# The main path as moves: (move name, status it leads to, typical delay range in hours).
FORWARD_MOVES: list[tuple[str, str, tuple[float, float]]] = [
    ("start_picking", Status.PICKING, (0.3, 3)),
    ("start_packing", Status.PACKING, (0.2, 1)),
    ("print_label", Status.AWAITING_PICKUP, (0.05, 0.5)),
    ("hand_over", Status.IN_TRANSIT, (0.5, 4)),
    ("deliver", Status.DELIVERED, (24, 72)),
    ("invoice", Status.INVOICED, (24, 120)),
    ("settle", Status.SETTLED, (72, 360)),
    ("archive", Status.ARCHIVED, (360, 720)),
    ("close", Status.CLOSED, (720, 1440)),
]
POSITION = {Status.PAID: 0, **{target: i + 1 for i, (_n, target, _d) in enumerate(FORWARD_MOVES)}}
OPEN_FOR_HOLD = {Status.PAID, Status.PICKING, Status.PACKING, Status.AWAITING_PICKUP}
HOLD_REASONS = ["address changed after picking started", "refund requested before shipping",
                "buyer asked to change the size"]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "秀英", "霞", "平", "刚", "桂英", "子涵", "浩然", "梓萱", "一诺", "宇轩", "欣怡"]
PLACES = [
    ("浙江省", "杭州市", "西湖区"), ("浙江省", "宁波市", "鄞州区"), ("广东省", "深圳市", "南山区"),
    ("广东省", "广州市", "天河区"), ("江苏省", "南京市", "鼓楼区"), ("江苏省", "苏州市", "工业园区"),
    ("上海市", "上海市", "浦东新区"), ("北京市", "北京市", "朝阳区"), ("四川省", "成都市", "武侯区"),
    ("湖北省", "武汉市", "洪山区"), ("山东省", "青岛市", "市南区"), ("福建省", "厦门市", "思明区"),
    ("河南省", "郑州市", "金水区"), ("陕西省", "西安市", "雁塔区"), ("湖南省", "长沙市", "岳麓区"),
    ("新疆维吾尔自治区", "乌鲁木齐市", "天山区"), ("西藏自治区", "拉萨市", "城关区"),
    ("香港特别行政区", "香港", "九龙城区"),
]
PLACE_WEIGHTS = [9, 5, 9, 8, 6, 6, 10, 10, 6, 5, 4, 3, 4, 4, 4, 1, 0.3, 0.5]
STREETS = ["文三路", "中山路", "人民路", "解放路", "建设路", "和平路", "科技园路", "长江路", "滨江大道"]
MOBILE_PREFIXES = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152",
                   "155", "157", "158", "159", "166", "176", "177", "180", "181", "186", "187",
                   "188", "189", "191", "199"]
CATEGORIES = [("apparel", "纯棉短袖T恤", 59), ("shoes", "轻跑运动鞋", 299), ("beauty", "保湿面霜", 169),
              ("food", "坚果礼盒", 89), ("home", "四件套床品", 399), ("digital", "无线蓝牙耳机", 249),
              ("baby", "婴儿纸尿裤", 129), ("sports", "瑜伽垫", 79)]
COLOURS = ["白色", "黑色", "灰色", "蓝色", "红色", "米色"]
SIZES = ["S", "M", "L", "XL", "均码"]
# Carrier and how its tracking number looks for a given serial.
CARRIERS = [
    ("SF", lambda n: f"SF{1_400_000_000_000 + n:013d}"),
    ("ZTO", lambda n: f"{780_000_000_000 + n:012d}"),
    ("YTO", lambda n: f"YT{8_800_000_000_000 + n:013d}"),
    ("YUNDA", lambda n: f"{4_300_000_000_000 + n:013d}"),
    ("JD", lambda n: f"JDVA{20_000_000_000 + n:011d}"),
    ("STO", lambda n: f"{773_000_000_000 + n:012d}"),
]
CARRIER_WEIGHTS = [22, 25, 18, 15, 10, 10]


def bench_user():
    user_model = get_user_model()
    user, _created = user_model.objects.get_or_create(
        username=BENCH_USERNAME,
        defaults={"is_active": False, "first_name": "bench", "last_name": "loader"},
    )
    return user


def holds_other_data() -> bool:
    """True if any order was created by someone other than this loader."""
    if not Order.objects.exists():
        return False
    user = get_user_model().objects.filter(username=BENCH_USERNAME).first()
    if user is None:
        return True
    created_by_loader = Order.history.filter(history_type="+", history_user_id=user.pk)
    return (
        Order.history.filter(history_type="+").exclude(history_user_id=user.pk).exists()
        # Orders without a "created" row (written around the services) are not ours either.
        or Order.objects.count() > created_by_loader.count()
    )


def reserve_ids(cursor, model: type[models.Model], count: int) -> int:
    """Take ``count`` consecutive ids from the table's own sequence; returns the first."""
    cursor.execute(
        "SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column]
    )
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s)", [sequence])
    first = cursor.fetchone()[0]
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


@dataclass
class Table:
    """A table written by COPY: its columns (from the model) and defaults for the unset ones."""

    model: type[models.Model]
    attnames: list[str]
    columns: list[str]
    template: dict
    getter: itemgetter

    @classmethod
    def of(cls, model: type[models.Model], *, skip: Iterable[str] = ()) -> Table:
        fields = [f for f in model._meta.concrete_fields if f.attname not in set(skip)]
        template = {}
        for field in fields:
            default = field.get_default()
            template[field.attname] = (
                None if default is None else field.get_db_prep_save(default, connection)
            )
        attnames = [f.attname for f in fields]
        return cls(
            model=model, attnames=attnames, columns=[f.column for f in fields],
            template=template, getter=itemgetter(*attnames),
        )

    def copy(self, cursor, rows: Sequence[dict]) -> None:
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(self.model._meta.db_table),
            sql.SQL(", ").join(sql.Identifier(c) for c in self.columns),
        )
        getter = self.getter
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(getter(row))


def history_table(model: type[models.Model]) -> Table:
    history_model = model.history.model
    return Table.of(history_model, skip=[history_model._meta.pk.attname])


# --- the shape of the data ----------------------------------------------------------------------
def order_times(rng: random.Random, *, count: int, days: int, end: dt.datetime) -> list[float]:
    """``count`` placement times (epoch seconds, ascending) over ``days`` days up to ``end``."""
    first_day = (end - dt.timedelta(days=days)).astimezone(TZ).date()
    day_list = [first_day + dt.timedelta(days=i) for i in range(days + 1)]
    weights = []
    for day in day_list:
        weight = PEAK_DAYS.get((day.month, day.day), 1.0)
        weights.append(weight * (WEEKEND_FACTOR if day.weekday() >= 5 else 1.0))
    total = sum(weights)
    counts = [int(count * w / total) for w in weights]
    for i in rng.sample(range(len(counts)), count - sum(counts)):
        counts[i] += 1
    end_ts = end.timestamp()
    times: list[float] = []
    for day, n in zip(day_list, counts):
        start_ts = dt.datetime.combine(day, dt.time(), tzinfo=TZ).timestamp()
        stop_ts = min(start_ts + 86400, end_ts - 60)
        times.extend(sorted(rng.uniform(start_ts, stop_ts) for _ in range(n)))
    return times


def customer_slots(rng: random.Random, count: int) -> tuple[list[int], int]:
    """Which customer places each order: every customer (one phone) has 1 to 5 orders."""
    slots: list[int] = []
    customer = 0
    while len(slots) < count:
        slots.extend([customer] * rng.choices([1, 2, 3, 4, 5], weights=[35, 25, 18, 12, 10])[0])
        customer += 1
    del slots[count:]
    rng.shuffle(slots)
    return slots, customer


def final_status(rng: random.Random, age_hours: float) -> str:
    for max_age, choices in STATUS_BY_AGE:
        if age_hours <= max_age:
            statuses, weights = zip(*choices)
            return rng.choices(statuses, weights=weights)[0]
    raise AssertionError("unreachable")


def steps_to(rng: random.Random, target: str, *, skips_invoicing: bool) -> tuple[str, list[str]]:
    """The status an order was created in, and the moves that took it to ``target``."""
    if target == Status.PENDING_PAYMENT:
        return Status.PENDING_PAYMENT, []
    created = Status.PENDING_PAYMENT if rng.random() < 0.3 else Status.PAID
    moves = ["pay"] if created == Status.PENDING_PAYMENT else []
    if target == Status.CANCELLED:
        if created == Status.PENDING_PAYMENT and rng.random() < 0.6:
            return created, ["cancel"]
        stop = rng.choice([Status.PAID, Status.PAID, Status.PICKING])
        return created, moves + forward(Status.PAID, stop, skips_invoicing) + ["cancel"]
    if target == Status.REFUNDED:
        stop = rng.choice([Status.PAID, Status.IN_TRANSIT, Status.DELIVERED, Status.DELIVERED])
        return created, moves + forward(Status.PAID, stop, skips_invoicing) + ["refund"]
    if target == Status.RISK_REVIEW:
        return created, moves + ["send_to_review"]
    if rng.random() < 0.02 and target != Status.PAID:
        moves += ["send_to_review", "approve"]
    if skips_invoicing and target == Status.INVOICED:
        target = Status.SETTLED
    return created, moves + forward(Status.PAID, target, skips_invoicing)


def forward(source: str, target: str, skips_invoicing: bool) -> list[str]:
    names = [name for name, _to, _d in FORWARD_MOVES[POSITION[source]:POSITION[target]]]
    if skips_invoicing:
        names = [name for name in names if name != "invoice"]
    return names


DELAY_HOURS = {name: delay for name, _to, delay in FORWARD_MOVES} | {
    "pay": (0.01, 0.25), "send_to_review": (0.01, 0.1), "approve": (0.2, 2),
    "cancel": (0.1, 6), "refund": (2, 72),
}


# --- the loader ---------------------------------------------------------------------------------
class Loader:
    def __init__(self, *, args: argparse.Namespace, user_id: int) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.user_id = user_id
        self.now = dt.datetime.now(tz=TZ)
        self.channels = list(Channel.objects.filter(code__in=CHANNEL_SHARES).order_by("code"))
        if len(self.channels) != len(CHANNEL_SHARES):
            common.fail("the 8 channels of orders/migrations/0002 are missing: run migrate.")
        self.channel_cum = list(accumulate(CHANNEL_SHARES[c.code] for c in self.channels))
        self.place_cum = list(accumulate(PLACE_WEIGHTS))
        self.carrier_cum = list(accumulate(CARRIER_WEIGHTS))
        self.labels = {name: str(move.label) for name, move in MOVES_BY_NAME.items()}
        self.target_of = {name: move.target for name, move in MOVES_BY_NAME.items()}
        self.serials = {
            (s.prefix, s.day): s.last_value for s in HubNumberSerial.objects.all()
        }
        self.tables = {
            "customer": Table.of(Customer), "customer_history": history_table(Customer),
            "order": Table.of(Order), "order_history": history_table(Order),
            "line": Table.of(OrderLine), "line_history": history_table(OrderLine),
            "hold": Table.of(Hold, skip=["id"]),
        }
        self.holds: list[dict] = []
        self.has_state_entered_at = "state_entered_at" in self.tables["order"].template
        self.products = self._products()
        self.rows_written = 0

    def _products(self) -> list[tuple[int, str, str, int]]:
        """The product master (made once): (id, sku, name, price in fen)."""
        if not Product.objects.filter(sku__startswith="BN-").exists():
            products = []
            for i in range(self.args.products):
                code, name, price = CATEGORIES[i % len(CATEGORIES)]
                products.append(Product(
                    sku=f"BN-{code[:3].upper()}-{i:05d}",
                    name=f"{name} {COLOURS[i % len(COLOURS)]} {SIZES[i % len(SIZES)]}",
                    category=code,
                ))
            Product.objects.bulk_create(products, batch_size=1000)
        found = Product.objects.filter(sku__startswith="BN-").values_list("id", "sku", "name")
        return [
            (pk, sku, name, (CATEGORIES[int(sku[-5:]) % len(CATEGORIES)][2] * 100) - 10
             + (pk % 7) * 500)
            for pk, sku, name in found
        ]

    def pick(self, cumulative: list[float], items: Sequence):
        return items[bisect_left(cumulative, self.rng.random() * cumulative[-1])]

    def run(self) -> None:
        args = self.args
        rng = self.rng
        print(f"planning {args.orders:,} orders over {args.days} days ...", flush=True)
        times = order_times(rng, count=args.orders, days=args.days, end=self.now)
        slots, customer_count = customer_slots(rng, args.orders)
        print(f"  {customer_count:,} customers (phones), 1-5 orders each", flush=True)
        with connection.cursor() as cursor:
            # The ids this run uses, taken up front so that the batches can commit one by one.
            self.first_customer_id = reserve_ids(cursor, Customer, customer_count)
            self.first_order_id = reserve_ids(cursor, Order, args.orders)
        self.customers: dict[int, tuple] = {}
        progress = common.Progress(total=args.orders, unit="orders")
        for start in range(0, args.orders, args.batch):
            stop = min(start + args.batch, args.orders)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
                self.load_batch(cursor, times[start:stop], slots[start:stop], start)
            progress.advance(
                stop - start,
                extra=f"{self.rows_written / progress.elapsed():>9,.0f} rows/s (all tables)",
            )
        print(f"loaded {args.orders:,} orders and {self.rows_written:,} rows in "
              f"{progress.elapsed():.1f} s", flush=True)

    # --- one batch ---------------------------------------------------------------------------
    def load_batch(self, cursor, times: list[float], slots: list[int], offset: int) -> None:
        rows = {name: [] for name in self.tables}
        used_serials: dict[tuple[str, dt.date], int] = {}
        lines_per_order = [self.rng.choices([1, 2, 3], weights=[60, 30, 10])[0] for _ in times]
        line_id = reserve_ids(cursor, OrderLine, sum(lines_per_order))
        for i, (placed_ts, slot) in enumerate(zip(times, slots)):
            order_id = self.first_order_id + offset + i
            placed_at = dt.datetime.fromtimestamp(placed_ts, tz=TZ)
            customer = self.customer(rows, slot, placed_at)
            order, history = self.order(order_id, placed_at, customer, used_serials)
            rows["order"].append(order)
            rows["order_history"].extend(history)
            for _n in range(lines_per_order[i]):
                line = self.line(line_id, order)
                rows["line"].append(line)
                rows["line_history"].append(self.history_row(
                    self.tables["line_history"], line, "+", order["created_at"], CREATED_REASON,
                ))
                line_id += 1
            self.fix_goods_amount(order, history, rows["line"][-lines_per_order[i]:])
        rows["hold"], self.holds = self.holds, []
        for name in ("customer", "customer_history", "order", "order_history", "line",
                     "line_history", "hold"):
            self.tables[name].copy(cursor, rows[name])
            self.rows_written += len(rows[name])
        self.advance_serials(cursor, used_serials)

    def customer(self, rows: dict, slot: int, placed_at: dt.datetime) -> tuple:
        """(id, name, phone, place, address) of the customer; created at their first order."""
        known = self.customers.get(slot)
        if known is not None:
            return known
        rng = self.rng
        customer_id = self.first_customer_id + slot
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        # 48271 is prime to 10**8: distinct ids give distinct 8-digit endings.
        phone = f"{rng.choice(MOBILE_PREFIXES)}{customer_id * 48271 % 100_000_000:08d}"
        place = self.pick(self.place_cum, PLACES)
        address = (f"{rng.choice(STREETS)}{rng.randint(1, 999)}号{rng.randint(1, 30)}栋"
                   f"{rng.randint(1, 32)}0{rng.randint(1, 6)}室")
        level = rng.choices(["normal", "vip", "svip"], weights=[90, 8, 2])[0]
        created_at = placed_at - dt.timedelta(seconds=1)
        row = self.tables["customer"].template | {
            "id": customer_id, "created_at": created_at, "updated_at": created_at,
            "name": name, "phone": phone, "level": level,
        }
        rows["customer"].append(row)
        rows["customer_history"].append(self.history_row(
            self.tables["customer_history"], row, "+", created_at, CREATED_REASON,
        ))
        info = (customer_id, name, phone, place, address, level)
        self.customers[slot] = info
        return info

    def history_row(self, table: Table, row: dict, kind: str, at: dt.datetime, reason: str):
        return table.template | row | {
            "history_date": at, "history_type": kind, "history_change_reason": reason,
            "history_user_id": self.user_id,
        }

    def order(self, order_id: int, placed_at: dt.datetime, customer: tuple,
              used_serials: dict) -> tuple[dict, list[dict]]:
        rng = self.rng
        channel = self.pick(self.channel_cum, self.channels)
        customer_id, name, phone, place, address, level = customer
        age_hours = (self.now - placed_at).total_seconds() / 3600
        target = final_status(rng, age_hours)
        created_status, moves = steps_to(rng, target, skips_invoicing=channel.skips_invoicing)
        day = placed_at.date()
        key = (channel.abbreviation.upper(), day)
        serial = used_serials.get(key, self.serials.get(key, 0)) + 1
        used_serials[key] = serial
        self.serials[key] = serial
        created_at = placed_at + dt.timedelta(seconds=rng.uniform(2, 30))
        order = self.tables["order"].template | {
            "id": order_id, "created_at": created_at, "updated_at": created_at,
            "hub_no": f"{key[0]}{day:%Y%m%d}{serial:05d}", "channel_id": channel.pk,
            "channel_order_no": channel_order_no(channel.code, order_id, placed_at, rng),
            "customer_id": customer_id, "status": created_status, "currency": channel.currency,
            "receiver_name": name, "receiver_phone": phone, "receiver_province": place[0],
            "receiver_city": place[1], "receiver_district": place[2],
            "receiver_address": address, "placed_at": placed_at,
            "priority": Order.Priority.HIGH if level != "normal" else Order.Priority.NORMAL,
        }
        if created_status == Status.PAID:
            self.mark_paid(order, channel, placed_at + dt.timedelta(minutes=rng.uniform(0.2, 10)))
            created_at = max(created_at, order["paid_at"] + dt.timedelta(seconds=5))
            order["created_at"] = order["updated_at"] = created_at
        if self.has_state_entered_at:
            order["state_entered_at"] = created_at
        history_table_ = self.tables["order_history"]
        history = [self.history_row(history_table_, order, "+", created_at,
                                    f"created from channel {channel.code}")]
        at = created_at
        limit = self.now - dt.timedelta(minutes=1)
        for move in moves:
            low, high = DELAY_HOURS[move]
            at = min(at + dt.timedelta(hours=rng.uniform(low, high)), limit)
            order = order | {"status": self.target_of[move], "updated_at": at}
            if self.has_state_entered_at:
                order["state_entered_at"] = at
            if move == "pay":
                self.mark_paid(order, channel, at)
            elif move == "print_label":
                carrier, make = self.pick(self.carrier_cum, CARRIERS)
                order["carrier"] = carrier
                order["tracking_no"] = make(order_id * 10 + rng.randint(0, 9))
            history.append(self.history_row(history_table_, order, "~", at, self.labels[move]))
        if order["status"] in OPEN_FOR_HOLD and rng.random() < 0.01:
            reason = rng.choice(HOLD_REASONS)
            at = min(at + dt.timedelta(minutes=rng.uniform(1, 60)), limit)
            order = order | {"on_hold": True, "updated_at": at}
            history.append(self.history_row(history_table_, order, "~", at, f"hold: {reason}"))
            self.holds.append(self.tables["hold"].template | {
                "order_id": order_id, "source": Hold.Source.PERSON, "key": "", "reason": reason,
                "params": "{}", "placed_at": at})
        return order, history

    def mark_paid(self, order: dict, channel: Channel, at: dt.datetime) -> None:
        order["paid_at"] = at
        order["ship_by"] = at + dt.timedelta(hours=24 if channel.code in ("jd", "tmall") else 48)
        order["payment_serial_no"] = payment_serial_no(channel.code, order["id"], at)

    def line(self, line_id: int, order: dict) -> dict:
        rng = self.rng
        product_id, sku, title, price = rng.choice(self.products)
        quantity = rng.choices([1, 2, 3], weights=[80, 15, 5])[0]
        return self.tables["line"].template | {
            "id": line_id, "order_id": order["id"], "product_id": product_id, "sku": sku,
            "channel_sku": f"{order['channel_id']}{product_id:08d}", "title": title,
            "quantity": quantity, "unit_price": fen(price), "amount": fen(price * quantity),
        }

    def fix_goods_amount(self, order: dict, history: list[dict], lines: list[dict]) -> None:
        """Amounts follow the lines; every history snapshot carries the same amounts."""
        goods = sum(to_fen(line["amount"]) for line in lines)
        shipping = 0 if goods >= 9900 else self.rng.choice([600, 800, 1000])
        discount = self.rng.choice([0, 0, 0, 500, 1000, 2000]) if goods > 5000 else 0
        amounts = {"goods_amount": fen(goods), "shipping_amount": fen(shipping),
                   "discount_amount": fen(discount), "paid_amount": fen(goods + shipping - discount)}
        order.update(amounts)
        for row in history:
            row.update(amounts)

    def advance_serials(self, cursor, used: dict[tuple[str, dt.date], int]) -> None:
        """Move the daily hub-number counters past the numbers used (services.hub_no_allocate)."""
        table = HubNumberSerial._meta.db_table
        cursor.executemany(
            f"INSERT INTO {connection.ops.quote_name(table)} (prefix, day, last_value) "
            f"VALUES (%s, %s, %s) ON CONFLICT (prefix, day) DO UPDATE SET last_value = "
            f"GREATEST({connection.ops.quote_name(table)}.last_value, EXCLUDED.last_value)",
            [(prefix, day, value) for (prefix, day), value in used.items()],
        )


def fen(amount_in_fen: int) -> str:
    return f"{amount_in_fen // 100}.{amount_in_fen % 100:02d}"


def to_fen(amount: str) -> int:
    yuan, cents = amount.split(".")
    return int(yuan) * 100 + int(cents)


def channel_order_no(code: str, order_id: int, placed_at: dt.datetime, rng: random.Random) -> str:
    """A number in the channel's own format, unique because it is built on the order id."""
    salt = rng.randint(0, 99)
    if code in ("taobao", "tmall"):  # TOP tid: 19 digits
        return str((3 if code == "taobao" else 2) * 10**18 + order_id * 100 + salt)
    if code == "jd":  # POP order id: 12 digits
        return str(300_000_000_000 + order_id * 100 + salt)
    if code == "pdd":  # order_sn: yymmdd-15 digits
        return f"{placed_at:%y%m%d}-{order_id * 100 + salt:015d}"
    if code == "douyin":  # 19 digits starting 69
        return str(6_900_000_000_000_000_000 + order_id * 100 + salt)
    if code == "miniprogram":
        return f"WX{placed_at:%Y%m%d%H%M%S}{order_id:08d}"
    if code == "pos":
        return f"POS-{order_id % 37 + 1:03d}-{order_id:09d}"
    return str(5_000_000_000_000 + order_id * 100 + salt)  # Shopify order id


def payment_serial_no(code: str, order_id: int, at: dt.datetime) -> str:
    if code in ("taobao", "tmall"):  # alipay_no: 28 digits
        return f"{at:%Y%m%d}22001{order_id:015d}"
    if code == "miniprogram":  # WeChat Pay transaction_id: 28 digits
        return f"4200{at:%Y%m%d}{order_id:016d}"
    if code == "pos":
        return ""
    return f"{code.upper()}PAY{order_id:012d}"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders to load")
    parser.add_argument("--days", type=int, default=365, help="spread over this many days")
    parser.add_argument("--batch", type=int, default=10_000, help="orders per transaction")
    parser.add_argument("--products", type=int, default=2_000, help="size of the SKU master")
    parser.add_argument("--seed", type=int, default=20260128)
    parser.add_argument("--force", action="store_true",
                        help="load even though the database holds orders not made by this loader")
    parser.add_argument("--no-vacuum", action="store_true", help="skip VACUUM ANALYZE")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    url = common.database_url()
    common.ensure_database(url)
    print("migrating ...", flush=True)
    call_command("migrate", verbosity=0)
    if holds_other_data() and not args.force:
        common.fail(
            f"database {connection.settings_dict['NAME']} holds orders that this loader did not "
            f"make. Benchmark on a database of its own, e.g.\n"
            f"  DATABASE_URL={common.SUGGESTED_DATABASE_URL}\n"
            f"(created and migrated by this script), or pass --force."
        )
    user = bench_user()
    before = Order.objects.count()
    Loader(args=args, user_id=user.pk).run()
    if not args.no_vacuum:
        print("VACUUM ANALYZE ...", flush=True)
        started = common.now_ms()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"  done in {(common.now_ms() - started) / 1000:.1f} s")
    print(f"orders in the database: {before + args.orders:,}")


if __name__ == "__main__":
    main()
