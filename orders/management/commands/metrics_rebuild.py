"""``manage.py metrics_rebuild [--check]``: the management figures' daily aggregates from history."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from orders.metrics.services import metric_counts_snapshot, metrics_rebuild


class Command(BaseCommand):
    help = ("Recompute every order's contribution to the management figures from its history "
            "and replace the daily aggregates (per day, channel and warehouse) with their sums. "
            "--check reports whether the maintained aggregates differed.")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="fail (exit 1) when the maintained aggregates differed")

    def handle(self, *args, check: bool = False, **options):
        before = metric_counts_snapshot() if check else None
        started = time.perf_counter()
        orders, rows = metrics_rebuild()
        self.stdout.write(f"Rebuilt the figures of {orders} orders into {rows} daily aggregates "
                          f"in {time.perf_counter() - started:.1f} s.")
        if check:
            after = metric_counts_snapshot()
            differ = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            if differ:
                for key in differ[:20]:
                    self.stdout.write(f"  {key}: maintained {before.get(key)}, "
                                      f"rebuilt {after.get(key)}")
                raise CommandError(f"{len(differ)} aggregates differed from the maintained ones.")
            self.stdout.write("The maintained aggregates agreed.")
