"""Customer-service lookups on the bench database: p50/p95/max in ms, against DESIGN.md §6.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderhub_bench \\
        .venv/bin/python -m bench.lookup [--samples 500]

Load the database first with ``bench.load_orders``. The lookups run the project's own code in
this process, not over HTTP: the selectors the API and the admin call
(``orders.selectors.order_list(q=...)`` evaluated to its first page of 50 with its
``select_related``; ``order_get`` + ``order_timeline`` for the whole order) and the admin's own
``ChangeList`` for the order list (its queryset, paginator count and first page, as
``OrderAdmin.get_changelist_instance`` builds them for a superuser). Every sample uses a
different existing order, drawn at random; each operation is warmed up first.
"""
from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Sequence

from bench import common

common.setup_django_on_migrated_database()

# Models and the admin can be imported only once Django is set up (above).
from django.contrib import admin  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from orders.models import Order  # noqa: E402
from orders.selectors import order_get, order_list, order_timeline  # noqa: E402
from orders.state_machine import Status  # noqa: E402

LOOKUP_TARGET_MS = 30.0  # DESIGN.md section 6: customer-service lookup, p95, 1,000,000 orders
PAGE = 50  # the API's page size
ADMIN_USERNAME = "bench-admin"
LOOKUP_FIELDS = {
    "phone": "receiver_phone",
    "hub number": "hub_no",
    "channel order number": "channel_order_no",
    "tracking number": "tracking_no",
}


def sample_orders(rng: random.Random, count: int) -> list[dict]:
    """``count`` distinct existing orders picked at random over the whole id range."""
    bounds = Order.objects.order_by("id").values_list("id", flat=True)
    low, high = bounds.first(), bounds.last()
    if low is None or Order.objects.count() < count:
        common.fail("too few orders: load them first with `python -m bench.load_orders`.")
    picked: dict[int, dict] = {}
    while len(picked) < count:
        ids = rng.sample(range(low, high + 1), min(count * 2, high - low + 1))
        for row in Order.objects.filter(id__in=ids).values("id", *LOOKUP_FIELDS.values()):
            picked.setdefault(row["id"], row)
    rows = list(picked.values())
    rng.shuffle(rows)
    return rows[:count]


def first_page(q: str) -> list[Order]:
    """The API's list: ``order_list(q=...)`` evaluated for its first page."""
    return list(order_list(q=q)[:PAGE])


def whole_order(hub_no: str) -> list[dict]:
    """The API's order detail: the order with lines, gifts, history, and its timeline."""
    return order_timeline(order=order_get(hub_no=hub_no))


class AdminList:
    """The order changelist as the admin builds it (queryset, count, first page)."""

    def __init__(self) -> None:
        user_model = get_user_model()
        user = user_model.objects.filter(username=ADMIN_USERNAME).first()
        if user is None:
            user = user_model.objects.create_superuser(ADMIN_USERNAME, "", None)
        self.user = user
        self.model_admin = admin.site.get_model_admin(Order)
        self.factory = RequestFactory()

    def page(self, params: dict[str, str]) -> list[Order]:
        request = self.factory.get("/admin/orders/order/", params)
        request.user = self.user
        changelist = self.model_admin.get_changelist_instance(request)
        return list(changelist.result_list)


def explain_q(value: str) -> str:
    return order_list(q=value)[:PAGE].explain(analyze=True, buffers=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=500, help="timed calls per operation")
    parser.add_argument("--warmup", type=int, default=30, help="untimed calls first")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    common.database_url()
    rng = random.Random(args.seed)
    total = Order.objects.count()
    print(f"database {connection.settings_dict['NAME']}: {total:,} orders; "
          f"{args.samples} samples per operation after {args.warmup} warm-up calls")
    needed = args.samples + args.warmup
    orders = sample_orders(rng, needed * 2)
    tracked = [o for o in orders if o["tracking_no"]][:needed]
    orders = orders[:needed]
    # The first ``warmup`` values of each list warm up; the rest are timed.
    values: dict[str, list[str]] = {
        label: [o[field] for o in (tracked if field == "tracking_no" else orders)]
        for label, field in LOOKUP_FIELDS.items()
    }

    def timed(name: str, call: Callable, items: Sequence, target: float | None = None):
        figures = common.measure(name, call, items, warmup=args.warmup, target_p95=target)
        print(f"  {name}: p95 {figures.p95:.2f} ms", flush=True)
        return figures

    rows = [
        timed(f"lookup by {label} (order_list q, first {PAGE})", first_page, items,
              LOOKUP_TARGET_MS)
        for label, items in values.items()
    ]
    rows.append(timed("whole order (order_get + order_timeline)", whole_order,
                      values["hub number"], LOOKUP_TARGET_MS))
    admin_list = AdminList()
    statuses = [Status.PAID, Status.PICKING, Status.IN_TRANSIT, Status.DELIVERED, Status.CLOSED]
    rows += [
        timed("admin order list, first page", admin_list.page, [{}] * needed,
              LOOKUP_TARGET_MS),
        timed("admin order list, status filter, first page", admin_list.page,
              [{"status__exact": rng.choice(statuses)} for _ in range(needed)],
              LOOKUP_TARGET_MS),
        timed("admin order list, search by phone", admin_list.page,
              [{"q": phone} for phone in values["phone"]], LOOKUP_TARGET_MS),
    ]

    print()
    print(f"EXPLAIN ANALYZE of the q lookup (order_list(q=<phone>)[:{PAGE}]):")
    print(explain_q(values["phone"][-1]))
    print()
    common.print_figures(rows)
    print("\nTimed in-process through the selectors and the admin's ChangeList "
          "(direct calls, no HTTP).")
    if any(row.verdict == "FAIL" for row in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
