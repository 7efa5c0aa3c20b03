"""``manage.py seed_aftersales_demo [--cases N] [--seed S] [--reset] [--if-empty]``

Demo after-sales cases on the demo orders (run ``seed_demo`` first): every kind, in every
state its path reaches, with buyers' own words (``aftersales.demo_data``). ``--reset`` deletes
the demo cases first (needed before ``seed_demo --reset``, since a case keeps its order).
"""
from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand
from django.db import transaction

from aftersales.demo_data import DEMO_CASE_REASON, LEGACY_DEMO_CASE_REASON, demo_cases_create
from aftersales.models import Case


class Command(BaseCommand):
    help = "Create demo after-sales cases of every kind and state on the demo orders."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cases", type=int, default=60)
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--reset", action="store_true")
        parser.add_argument("--if-empty", action="store_true")

    def handle(self, *args, cases: int, seed: int | None, reset: bool, if_empty: bool,
               **options) -> None:
        if reset:
            ids = list(Case.history.filter(
                history_type="+",
                history_change_reason__in=[DEMO_CASE_REASON, LEGACY_DEMO_CASE_REASON])
                       .values_list("id", flat=True))
            with transaction.atomic():
                Case.objects.filter(pk__in=ids).delete()
                Case.history.filter(id__in=ids).delete()
            self.stdout.write(f"Deleted {len(ids)} demo cases.")
        if if_empty and Case.objects.exists():
            self.stdout.write("The database already has after-sales cases: none added.")
            return
        made = demo_cases_create(count=cases, seed=seed)
        table = Counter((c.kind, Case.objects.get(pk=c.pk).status) for c in made)
        self.stdout.write(f"Seeded {len(made)} demo after-sales cases.")
        for (kind, status), n in sorted(table.items()):
            self.stdout.write(f"  {kind:<15} {status:<16} {n:>4}")
