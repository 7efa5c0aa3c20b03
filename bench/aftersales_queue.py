"""The after-sales queue with 100,000 open cases beside 1,000,000 orders: the admin list of
cases (priority, then the platform's deadline) as customer service opens it, p50/p95 against
the target of issue 11 (p95 ≤ 100 ms), with its filters, and a same-run reference.

    createdb -h 127.0.0.1 -U postgres -T orderhub_bench orderhub_bench_after   # a copy
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderhub_bench_after \\
        .venv/bin/python -m bench.aftersales_queue [--cases 100000] [--samples 200]

Run it on a copy of the bench database (it migrates the copy and writes cases). When the copy
holds fewer than ``--cases`` open cases it adds them: cases on orders drawn at random from the
whole order book, with the kinds, reasons, teams, priorities, platforms' deadlines (some
already past) and open states of a real queue, inserted with ``bulk_create`` in batches (no
history rows: the queue never reads them), then ``ANALYZE``. Then, in this process through
Django's test client (middleware, session, the admin's changelist with its filters, actions
and template), signed in as a customer-service user (the role's group, not a superuser):
- the queue as staff open it: every open case (``?due=open``), and the workbench's two links
  (waiting for an answer, ``?status__exact=requested``; past the deadline, ``?due=overdue``);
- the queue filtered by kind, by reason, by team, each value in turn, and the unfiltered list;
- page 5 of the open queue;
and the reference: the same first page as one raw SQL statement (the rows and the joined
order and channel, no Django), so that the admin's own cost shows as the ratio.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import time

from bench import common

# The admin's static links without collectstatic's manifest (as with DEBUG).
os.environ.setdefault("STATIC_MANIFEST", "0")
common.setup_django()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from aftersales.models import Case, ReasonCategory, Team  # noqa: E402
from aftersales.routing import route  # noqa: E402
from aftersales.state_machine import OPEN_CASE_STATUSES, CaseStatus, Kind  # noqa: E402
from orders.models import Order  # noqa: E402

TARGET_MS = 100.0  # issue 11: the queue page with 100,000 open cases, p95 ≤ 100 ms
USERNAME = "bench-aftersales-cs"
BATCH = 5_000
QUEUE = "/admin/aftersales/case/"

# A queue's mix (shares): what platforms send and customer service sees.
KINDS = {Kind.RETURN: 40, Kind.REFUND_ONLY: 30, Kind.EXCHANGE: 12, Kind.PARTIAL_REFUND: 10,
         Kind.RESEND: 8}
REASONS = {ReasonCategory.NO_LONGER_WANTED: 35, ReasonCategory.QUALITY: 20,
           ReasonCategory.NOT_AS_DESCRIBED: 12, ReasonCategory.DAMAGED: 10,
           ReasonCategory.WRONG_ITEM: 8, ReasonCategory.MISSING_ITEM: 7,
           ReasonCategory.OTHER: 8}
WORDS = {ReasonCategory.NO_LONGER_WANTED: "拍错了，不想要了", ReasonCategory.QUALITY: "质量不好，起球",
         ReasonCategory.NOT_AS_DESCRIBED: "颜色和图片不符", ReasonCategory.DAMAGED: "收到就破损了",
         ReasonCategory.WRONG_ITEM: "发错货了", ReasonCategory.MISSING_ITEM: "少发了一件",
         ReasonCategory.OTHER: "其他"}
OPEN_STATES = {CaseStatus.REQUESTED: 55, CaseStatus.APPROVED: 10,
               CaseStatus.AWAITING_RETURN: 20, CaseStatus.RETURNED: 8,
               CaseStatus.INSPECTED: 4, CaseStatus.REFUNDED: 2, CaseStatus.RESHIPPED: 1}
FOR_KIND = {  # the open states each kind passes through
    Kind.REFUND_ONLY: {CaseStatus.REQUESTED, CaseStatus.APPROVED, CaseStatus.REFUNDED},
    Kind.PARTIAL_REFUND: {CaseStatus.REQUESTED, CaseStatus.APPROVED, CaseStatus.REFUNDED},
    Kind.RESEND: {CaseStatus.REQUESTED, CaseStatus.APPROVED, CaseStatus.RESHIPPED},
    Kind.RETURN: {CaseStatus.REQUESTED, CaseStatus.AWAITING_RETURN, CaseStatus.RETURNED,
                  CaseStatus.INSPECTED, CaseStatus.REFUNDED},
    Kind.EXCHANGE: {CaseStatus.REQUESTED, CaseStatus.AWAITING_RETURN, CaseStatus.RETURNED,
                    CaseStatus.INSPECTED, CaseStatus.RESHIPPED},
}


def pick(rng: random.Random, shares: dict) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def add_cases(wanted: int, rng: random.Random) -> int:
    """``wanted`` open cases on orders drawn at random (ids spread over the whole book)."""
    low, high = (Order.objects.order_by("pk").values_list("pk", flat=True).first(),
                 Order.objects.order_by("-pk").values_list("pk", flat=True).first())
    if low is None:
        common.fail("the database has no orders; copy orderhub_bench (see the docstring)")
    now = timezone.now()
    made = 0
    taken = set(Case.objects.exclude(order=None).values_list("order_id", flat=True))
    routes = {reason: route(reason) for reason in ReasonCategory.values}
    while made < wanted:
        ids = {rng.randint(low, high) for _ in range(min(BATCH, wanted - made) * 2)} - taken
        orders = list(Order.objects.filter(pk__in=ids).values_list(
            "pk", "channel_id", "channel_order_no", "currency", "paid_amount")
            [: wanted - made])
        rows = []
        for order_id, channel_id, channel_order_no, currency, paid in orders:
            kind = pick(rng, KINDS)
            reason = pick(rng, REASONS)
            states = {s: w for s, w in OPEN_STATES.items() if s in FOR_KIND[kind]}
            team, priority = routes[reason]
            requested = now - dt.timedelta(minutes=rng.randint(5, 60 * 24 * 6))
            rows.append(Case(
                channel_id=channel_id, channel_case_no=f"B{order_id}",
                channel_order_no=channel_order_no, order_id=order_id, kind=kind,
                status=pick(rng, states), amount=paid, currency=currency,
                buyer_words=WORDS[reason], reason_category=reason, team=team,
                deciding_words=WORDS[reason][:4], priority=priority, requested_at=requested,
                # 48 h or 72 h windows: about a third already past
                due_at=requested + dt.timedelta(hours=rng.choice((48, 72))),
                raw={}))
            taken.add(order_id)
        with transaction.atomic():
            Case.objects.bulk_create(rows, batch_size=1000)
        made += len(rows)
        print(f"  {made:,} cases", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE aftersales_case")
    return made


def reference_sql() -> str:
    """The first page of the open queue as one statement, what the admin list reads."""
    opened = ", ".join(f"'{s}'" for s in OPEN_CASE_STATUSES)
    return f"""
        SELECT c.*, o.hub_no, ch.name FROM aftersales_case c
        LEFT JOIN orders_order o ON o.id = c.order_id
        JOIN orders_channel ch ON ch.id = c.channel_id
        WHERE c.status IN ({opened})
        ORDER BY c.priority DESC, c.due_at ASC, c.id ASC LIMIT 50"""


def explain(query: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {query}")
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="open cases wanted")
    parser.add_argument("--samples", type=int, default=200, help="timed pages per operation")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--explain", action="store_true", help="print the page's SQL plan")
    args = parser.parse_args()
    common.database_url()
    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    orders = Order.objects.count()
    open_cases = Case.objects.filter(status__in=OPEN_CASE_STATUSES).count()
    print(f"{orders:,} orders, {open_cases:,} open cases in {connection.settings_dict['NAME']}")
    if open_cases < args.cases:
        common.timed(f"adding {args.cases - open_cases:,} open cases (bulk_create)",
                     lambda: add_cases(args.cases - open_cases, rng))
        open_cases = Case.objects.filter(status__in=OPEN_CASE_STATUSES).count()
    overdue = Case.objects.filter(status__in=OPEN_CASE_STATUSES,
                                  due_at__lt=timezone.now()).count()
    print(f"{open_cases:,} open cases, {overdue:,} past their deadline")

    user = get_user_model().objects.filter(username=USERNAME).first()
    if user is None:
        user = get_user_model().objects.create_user(USERNAME, password=None, is_staff=True)
    user.groups.add(Group.objects.get(name="customer_service"))
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)

    def get(query: dict) -> None:
        # Over HTTPS, as production serves it (SECURE_SSL_REDIRECT, secure cookies).
        response = client.get(QUEUE, query, secure=True)
        if response.status_code != 200:
            common.fail(f"{QUEUE}?{query} answered {response.status_code}")
        if query.get("due") == "open" and b'class="action-select"' not in response.content:
            common.fail(f"{QUEUE}?{query} listed nothing")

    per = args.samples + args.warmup
    rows = []

    def measure(name: str, queries: list[dict]) -> None:
        values = [queries[i % len(queries)] for i in range(per)]
        rng.shuffle(values)
        rows.append(common.measure(name, get, values, warmup=args.warmup,
                                   target_p95=TARGET_MS))
        print(f"  {name}: p95 {rows[-1].p95:.1f} ms", flush=True)

    measure("queue: every open case (?due=open)", [{"due": "open"}])
    # The same page's CPU time in this process (Python: middleware, admin, template), which
    # the machine's load does not inflate as it does the wall-clock figures.
    cpu = []
    for _ in range(args.samples // 2):
        started = time.process_time()
        get({"due": "open"})
        cpu.append((time.process_time() - started) * 1000)
    rows.append(common.Figures(
        name="queue (?due=open): CPU time of the web process", samples=len(cpu),
        p50=common.percentile(cpu, 50), p95=common.percentile(cpu, 95), max=max(cpu),
        mean=sum(cpu) / len(cpu)))
    measure("queue: waiting for an answer (workbench link)",
            [{"status__exact": CaseStatus.REQUESTED}])
    measure("queue: past the deadline (?due=overdue)", [{"due": "overdue"}])
    measure("queue by kind (each kind, open)",
            [{"due": "open", "kind__exact": kind} for kind in Kind.values])
    measure("queue by reason (each reason, open)",
            [{"due": "open", "reason_category__exact": reason}
             for reason in ReasonCategory.values])
    measure("queue by team (each team, open)",
            [{"due": "open", "team__exact": team} for team in Team.values])
    measure("queue by team, overdue",
            [{"due": "overdue", "team__exact": team} for team in Team.values])
    measure("queue, page 5 (open)", [{"due": "open", "p": "5"}])
    measure("case list, no filter (closed ones too)", [{}])
    sql = reference_sql()

    def raw(_value) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()

    reference = common.measure("reference: the first page as one raw SQL statement", raw,
                               [None] * per, warmup=args.warmup)
    rows.append(reference)
    common.print_figures(rows)
    worst = max(row.p95 for row in rows[:-1])
    print(f"worst p95 / reference p95: {worst / reference.p95:.1f}x")
    print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f}; {time.strftime('%Y-%m-%d %H:%M:%S')}")
    if args.explain:
        print(explain(sql))
    if any(row.verdict == "FAIL" for row in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
