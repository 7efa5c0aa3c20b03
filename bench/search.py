"""The header's search box on the bench database, per kind of query: p50/p95/max in ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderhub_bench_workbench \\
        .venv/bin/python -m bench.search [--samples 300]

Read-only: run it on a copy of the loaded bench database with this branch's migrations applied
(``createdb -T orderhub_bench …``, then ``manage.py migrate``), since the search's indexes come
from ``orders/migrations/0011_search_indexes.py``. Every sample is a different existing order,
drawn at random, and the term is built from it the way a person would type it. Each sample
runs what the search box runs: the list the person sees (``order_list(q=term)``, the first
page of 50 with the row's columns), which is also the decision (one hit opens the order), in
one query. The reference is the obvious way to get the same answer without
the search's readings and indexes (Django admin's default ``icontains`` search over phone and
name, as ``search_fields`` would build it), timed on a few samples of the same run; and, as the
machine's noise floor, a primary-key probe of the same table through the ORM.
"""
from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Sequence

from bench import common

common.setup_django_on_migrated_database()

from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.utils import timezone  # noqa: E402

from orders.models import Order  # noqa: E402
from orders.search import order_search_q  # noqa: E402
from orders.selectors import order_list  # noqa: E402

TARGET_MS = 30.0  # DESIGN.md section 6 / issue 12: the search box, p95, 1,000,000 orders
PAGE = 50
FIELDS = ("id", "hub_no", "channel_order_no", "tracking_no", "receiver_phone", "receiver_name",
          "placed_at")


def spaced(phone: str) -> str:
    return f"{phone[:3]} {phone[3:7]} {phone[7:]}"


def dashed(phone: str) -> str:
    return f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"


# kind: (how a person types it from the order's row, whether the row must have a tracking no.)
KINDS: dict[str, Callable[[dict], str]] = {
    "phone, whole": lambda o: o["receiver_phone"],
    "phone with spaces": lambda o: spaced(o["receiver_phone"]),
    "phone with dashes": lambda o: dashed(o["receiver_phone"]),
    "last four + name": lambda o: f"{o['receiver_phone'][-4:]} {o['receiver_name']}",
    "last four + day ordered": lambda o: (
        f"{o['receiver_phone'][-4:]} {timezone.localtime(o['placed_at']):%Y-%m-%d}"),
    "hub number": lambda o: o["hub_no"],
    "channel order number": lambda o: o["channel_order_no"],
    "tracking number": lambda o: o["tracking_no"],
    "customer name": lambda o: o["receiver_name"],
}


def sample_orders(rng: random.Random, count: int) -> list[dict]:
    """``count`` distinct existing orders with a tracking number, picked over the id range."""
    bounds = Order.objects.order_by("id").values_list("id", flat=True)
    low, high = bounds.first(), bounds.last()
    if low is None:
        common.fail("no orders: load them first with `python -m bench.load_orders`.")
    picked: dict[int, dict] = {}
    while len(picked) < count:
        ids = rng.sample(range(low, high + 1), min(count * 3, high - low + 1))
        for row in (Order.objects.filter(id__in=ids).exclude(tracking_no="")
                    .exclude(placed_at=None).values(*FIELDS)):
            picked.setdefault(row["id"], row)
    rows = list(picked.values())
    rng.shuffle(rows)
    return rows[:count]


def search_box(term: str) -> int:
    """What one search costs the person who types it: one query, the first page of the list
    (newest first, the row's columns only, as ``GET /api/orders/?q=`` reads it); one hit is
    the order to open, several are the list. (Until 2026-12-05 this ran a separate decision
    query first, ``[:2]`` of the ids, and then the page: two round trips where one answers.)"""
    return len(list(order_list(q=term)[:PAGE]))


def obvious(term: str) -> int:
    """The reference: admin's default search (``icontains`` on each word, phone or name)."""
    condition = Q()
    for word in term.split():
        condition &= Q(receiver_phone__icontains=word) | Q(receiver_name__icontains=word)
    return len(list(Order.objects.filter(condition).order_by("-id")[:PAGE]))


def primary_key_probe(pk: int) -> int:
    """The noise floor: the cheapest lookup there is on the same table (its primary key), one
    round trip through the ORM, as a same-run reference on a shared machine."""
    return len(list(Order.objects.filter(pk=pk).values_list("pk", flat=True)))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=300, help="timed searches per kind")
    parser.add_argument("--warmup", type=int, default=20, help="untimed searches first")
    parser.add_argument("--reference-samples", type=int, default=5)
    parser.add_argument("--seed", type=int, default=12)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    common.database_url()
    rng = random.Random(args.seed)
    total = Order.objects.count()
    print(f"database {connection.settings_dict['NAME']}: {total:,} orders; {args.samples} "
          f"searches per kind after {args.warmup} warm-up searches")
    needed = args.samples + args.warmup
    orders = sample_orders(rng, needed)
    rows = []
    for kind, typed in KINDS.items():
        terms = [typed(order) for order in orders]
        missed = [term for term, order in zip(terms[:50], orders[:50])
                  if order["id"] not in set(Order.objects.filter(order_search_q(term))
                                            .values_list("id", flat=True)[:1000])]
        if missed:
            common.fail(f"{kind}: the search does not find the order it was typed from: "
                        f"{missed[:3]}")
        figures = common.measure(kind, search_box, terms, warmup=args.warmup,
                                 target_p95=TARGET_MS)
        print(f"  {kind}: p95 {figures.p95:.2f} ms", flush=True)
        rows.append(figures)
    floor = common.measure("reference: primary-key probe (noise floor)", primary_key_probe,
                           [order["id"] for order in orders], warmup=args.warmup)
    reference_terms = [KINDS["last four + name"](order) for order in orders]
    reference = common.measure(
        "reference: admin icontains, last four + name", obvious,
        reference_terms[: args.reference_samples + 1], warmup=1)
    rows += [floor, reference]
    print()
    print("EXPLAIN ANALYZE, last four + name:")
    print(Order.objects.filter(order_search_q(reference_terms[-1])).values_list("pk")[:2]
          .explain(analyze=True, buffers=True))
    print()
    common.print_figures(rows)
    slowest = max(rows[:-2], key=lambda row: row.p95)
    print(f"\nslowest kind p95 {slowest.p95:.2f} ms ({slowest.name}); the reference's p50 "
          f"{reference.p50:.0f} ms is {reference.p50 / max(slowest.p50, 1e-9):.0f}x that "
          f"kind's p50; the slowest kind's p95 is {slowest.p95 / max(floor.p95, 1e-9):.1f}x "
          f"the primary-key probe's p95 ({floor.p95:.2f} ms) in the same run")
    if any(row.verdict == "FAIL" for row in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
