"""``manage.py seed_demo --orders N [--seed S] [--days D] [--reset] [--if-empty]``

Fills the database with realistic orders from every channel, in every state of the state
machine. Orders arrive through ``orders.services.orders_create`` (pending payment, or as the
channel reports them) and then live their story through the transition services, acted by the
demo staff (``orders.demo_data.DEMO_STAFF``) or the hub itself, so each has a real audit trail.
The stories are then dated: the services stamp everything "now", so the history rows and
timestamps of what this command just wrote are moved to the times the story says, spread over
the last D days. Re-running adds more orders; ``--reset`` first deletes the previous demo orders.
"""
from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from orderhub.core.errors import DomainError
from orders import services
from orders.holds import order_hold, order_release_hold
from orders.demo_data import (
    CHANNEL_WEIGHTS,
    DEMO_CUSTOMER_REASON,
    DEMO_REASON,
    GIFT_PRODUCTS,
    LEGACY_DEMO_REASONS,
    PRODUCTS,
    DemoOrder,
    DemoPlanner,
    Person,
    channel_order_no,
    customers_build,
    demo_staff_ensure,
)
from orders.models import Channel, Customer, GiftOrder, Order, OrderLine, Product, ProductAlias
from orders.state_machine import Status

CHUNK = 50  # orders per transaction while they move: few commits, short locks


def chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Command(BaseCommand):
    help = "Create realistic demo orders on every channel and in every state, with history."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--orders", type=int, default=1000, help="How many orders (1000).")
        parser.add_argument("--seed", type=int, default=None,
                            help="Random seed, for the same data again on an empty database.")
        parser.add_argument("--days", type=int, default=30,
                            help="Spread the orders over the last D days (30).")
        parser.add_argument("--reset", action="store_true",
                            help="Delete the orders and customers of earlier seed_demo runs first.")
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing when the database already has orders.")

    def handle(self, *args, orders: int, seed: int | None, days: int, reset: bool,
               if_empty: bool, **options) -> None:
        if orders < 1 or days < 1:
            raise CommandError("--orders and --days must be at least 1.")
        if reset:
            self.reset()
        if if_empty and Order.objects.exists():
            self.stdout.write(
                f"The database already has {Order.objects.count()} orders: no demo data added."
            )
            return
        started = time.monotonic()
        # The order count joins the seed so that a re-run adds new orders, not clashing copies.
        rng = random.Random(f"{seed}:{Order.objects.count()}" if seed is not None else None)
        channels = list(Channel.objects.filter(code__in=CHANNEL_WEIGHTS))
        if not channels:
            raise CommandError("No channels: run `manage.py migrate` first.")
        product_ids = self.products_ensure()
        staff = demo_staff_ensure()

        customers = customers_build(rng, domestic=max(5, orders * 7 // 10),
                                    abroad=max(3, orders // 20))
        planner = DemoPlanner(rng=rng, now=timezone.now(), days=days, channels=channels,
                              customers=customers)
        plans = [planner.order(i, force_hold=i == 3, force_gift=i == 4) for i in range(orders)]
        self.unique_channel_numbers(plans, rng)
        self.stdout.write(f"Planned {orders} orders ({time.monotonic() - started:.1f} s).")

        with transaction.atomic():
            customer_ids = self.customers_create(plans, customers)
            created = self.orders_create(plans, customer_ids=customer_ids, product_ids=product_ids)
        self.stdout.write(f"Created {orders} orders with their lines "
                          f"({time.monotonic() - started:.1f} s). Moving them along their path:")
        self.live(plans, created, staff=staff, started=started)
        self.summary(created, seed=seed, days=days, seconds=time.monotonic() - started)

    # --- master data ----------------------------------------------------------------------------
    def products_ensure(self) -> dict[str, int]:
        """The demo product master (with a few aliases), created once and reused."""
        ids = {}
        for product in PRODUCTS + GIFT_PRODUCTS:
            row, _created = Product.objects.get_or_create(
                sku=product.sku, defaults={"name": product.name, "category": product.category},
            )
            ids[product.sku] = row.pk
            for alias in product.aliases:
                ProductAlias.objects.get_or_create(alias=alias, channel=None,
                                                   defaults={"product": row})
        return ids

    def customers_create(self, plans: list[DemoOrder], people: list[Person]) -> dict[int, int]:
        """The customers the plans name, with history; their row id by index in ``people``."""
        used = sorted({plan.customer_index for plan in plans})
        rows = [
            Customer(name=people[i].name, phone=people[i].phone, email=people[i].email,
                     level=people[i].level)
            for i in used
        ]
        rows = bulk_create_with_history(rows, Customer, batch_size=500,
                                        default_change_reason=DEMO_CUSTOMER_REASON)
        return {index: row.pk for index, row in zip(used, rows)}

    def unique_channel_numbers(self, plans: list[DemoOrder], rng: random.Random) -> None:
        """Draw again any channel order number already taken (by this run or an earlier one)."""
        by_channel: dict[str, list[DemoOrder]] = defaultdict(list)
        for plan in plans:
            by_channel[plan.channel_code].append(plan)
        for code, group in by_channel.items():
            taken = set(Order.objects.filter(
                channel__code=code, channel_order_no__in=[p.data.channel_order_no for p in group]
            ).values_list("channel_order_no", flat=True))
            for plan in group:
                while plan.data.channel_order_no in taken:
                    plan.data.channel_order_no = channel_order_no(
                        rng, channel_code=code, placed_at=timezone.localtime(plan.placed_at))
                taken.add(plan.data.channel_order_no)

    # --- orders ---------------------------------------------------------------------------------
    def orders_create(self, plans: list[DemoOrder], *, customer_ids: dict[int, int],
                      product_ids: dict[str, int]) -> list[Order]:
        """Create the orders through the bulk service, one call per channel (hub numbers carry
        the day each order was placed)."""
        channels = {channel.code: channel for channel in Channel.objects.all()}
        groups: dict[str, list[int]] = defaultdict(list)
        for position, plan in enumerate(plans):
            plan.data.customer_id = customer_ids[plan.customer_index]
            for line in plan.data.lines:
                line.product_id = product_ids.get(line.sku)
            groups[plan.channel_code].append(position)
        created: list[Order | None] = [None] * len(plans)
        for code, positions in sorted(groups.items()):
            orders = services.orders_create(
                channel=channels[code], orders=[plans[p].data for p in positions], actor=None,
                reason=DEMO_REASON,
            )
            for position, order in zip(positions, orders):
                created[position] = order
        for plan, order in zip(plans, created):
            if plan.gift is not None:
                services.gift_order_create(
                    order=order, sku=plan.gift.sku, title=plan.gift.title,
                    promotion=plan.gift.promotion, actor=None,
                    reason=f"促销赠品：{plan.gift.promotion}",
                )
        return created

    def live(self, plans: list[DemoOrder], orders: list[Order], *, staff: dict,
             started: float) -> None:
        """Play each order's story through the services, then date what was written."""
        done = 0
        next_report = 10
        for chunk in chunks(list(zip(plans, orders)), CHUNK):
            with transaction.atomic():
                for plan, order in chunk:
                    self.play(plan, order, staff=staff)
                self.date(chunk)
            done += len(chunk)
            while done * 100 >= next_report * len(plans) and next_report <= 100:
                self.stdout.write(f"  {next_report:3d}%  {done:6d} orders  "
                                  f"{time.monotonic() - started:6.1f} s")
                next_report += 10

    def play(self, plan: DemoOrder, order: Order, *, staff: dict) -> None:
        for step in plan.steps:
            actor = staff.get(step.actor) if step.actor else None
            try:
                if step.kind == "hold":
                    order = order_hold(order=order, actor=actor, reason=step.reason)
                elif step.kind == "release":
                    order = order_release_hold(order=order, actor=actor, reason=step.reason)
                else:
                    order = services.TRANSITION_SERVICES[step.kind](
                        order=order, actor=actor, reason=step.reason, **step.kwargs)
            except DomainError as refused:
                raise CommandError(
                    f"Order {order.hub_no} ({plan.channel_code}, planned to end "
                    f"'{plan.target}'): '{step.kind}' was refused: {refused.message}"
                ) from refused

    def date(self, chunk: Sequence[tuple[DemoOrder, Order]]) -> None:
        """Move what this command wrote from "now" to the times of each order's story.

        Only rows this run created are touched, and only their timestamps: the history rows
        (not audited themselves) and the orders' created, updated and state-entered times,
        without new history.
        """
        times = {order.pk: plan.event_times() for plan, order in chunk}
        entered = {order.pk: plan.entered_times() for plan, order in chunk}
        ids = list(times)
        history = Order.history.model.objects.filter(id__in=ids).order_by("id", "history_id")
        seen: Counter = Counter()
        rows = []
        for row in history.only("history_id", "id", "history_date", "state_entered_at"):
            position = min(seen[row.id], len(times[row.id]) - 1)
            row.history_date = times[row.id][position]
            row.state_entered_at = entered[row.id][position]
            seen[row.id] += 1
            rows.append(row)
        Order.history.model.objects.bulk_update(
            rows, ["history_date", "state_entered_at"], batch_size=500
        )

        line_rows = list(OrderLine.history.model.objects.filter(order_id__in=ids)
                         .only("history_id", "order_id", "history_date"))
        for row in line_rows:
            row.history_date = times[row.order_id][0]
        OrderLine.history.model.objects.bulk_update(line_rows, ["history_date"], batch_size=500)

        gift_rows = list(GiftOrder.history.model.objects.filter(parent_id__in=ids)
                         .only("history_id", "parent_id", "history_type", "history_date"))
        for row in gift_rows:
            when = times[row.parent_id]
            row.history_date = when[0] if row.history_type == "+" else when[-1]
        GiftOrder.history.model.objects.bulk_update(gift_rows, ["history_date"], batch_size=500)
        gifts = list(GiftOrder.objects.filter(parent_id__in=ids).only("id", "parent_id"))
        for gift in gifts:
            gift.created_at, gift.updated_at = times[gift.parent_id][0], times[gift.parent_id][-1]
        GiftOrder.objects.bulk_update(gifts, ["created_at", "updated_at"])

        for plan, order in chunk:
            order.created_at, order.updated_at = plan.placed_at, plan.event_times()[-1]
            order.state_entered_at = plan.entered_times()[-1]
        Order.objects.bulk_update(
            [order for _, order in chunk], ["created_at", "updated_at", "state_entered_at"]
        )

    # --- reset and report -----------------------------------------------------------------------
    def reset(self) -> None:
        """Delete earlier demo orders and customers, with their (made-up) history."""
        order_ids = list(Order.history.filter(
            history_type="+",
            history_change_reason__in=[DEMO_REASON, LEGACY_DEMO_REASONS[DEMO_REASON]],
        ).values_list("id", flat=True).distinct())
        customer_ids = list(Customer.history.filter(
            history_type="+", history_change_reason__in=[
                DEMO_CUSTOMER_REASON, LEGACY_DEMO_REASONS[DEMO_CUSTOMER_REASON]],
        ).values_list("id", flat=True).distinct())
        try:
            with transaction.atomic():
                for batch in chunks(order_ids, 500):
                    Order.objects.filter(pk__in=batch).delete()
                    Order.history.filter(id__in=batch).delete()
                    OrderLine.history.filter(order_id__in=batch).delete()
                    GiftOrder.history.filter(parent_id__in=batch).delete()
                for batch in chunks(customer_ids, 500):
                    Customer.objects.filter(pk__in=batch).delete()
                    Customer.history.filter(id__in=batch).delete()
        except ProtectedError as protected:
            raise CommandError(
                f"Demo orders are still referenced elsewhere, nothing deleted: {protected}"
            ) from protected
        self.stdout.write(f"Deleted {len(order_ids)} demo orders and "
                          f"{len(customer_ids)} demo customers.")

    def summary(self, orders: list[Order], *, seed: int | None, days: int,
                seconds: float) -> None:
        states: Counter = Counter()
        channels: Counter = Counter()
        gifts = 0
        for batch in chunks([order.pk for order in orders], 500):
            rows = Order.objects.filter(pk__in=batch)
            states.update(rows.values_list("status", "on_hold"))
            channels.update(rows.values_list("channel__code", flat=True))
            gifts += GiftOrder.objects.filter(parent_id__in=batch).count()
        write = self.stdout.write
        write(self.style.SUCCESS(
            f"Seeded {len(orders)} demo orders in {seconds:.1f} s "
            f"(seed {seed if seed is not None else 'random'}, over the last {days} days)."
        ))
        write(f"  {'state':<17}{'orders':>7}{'on hold':>9}  label")
        for status in Status:
            total = states[status.value, False] + states[status.value, True]
            write(f"  {status.value:<17}{total:>7}{states[status.value, True]:>9}  {status.label}")
        write("  channels: " + ", ".join(f"{code} {n}" for code, n in channels.most_common()))
        write(f"  gift sub-orders: {gifts}")
