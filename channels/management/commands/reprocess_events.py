"""``manage.py reprocess_events``: run stored deliveries again, e.g. after an alias was added.

By default every failed delivery is reprocessed, oldest first. ``--id`` picks deliveries,
``--channel`` limits to one channel, ``--unmapped`` also re-runs processed deliveries whose
orders were flagged ``unmapped_sku`` (so that a new alias reaches them).
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from channels.models import Delivery
from channels.services.deliveries import deliveries_reprocess


class Command(BaseCommand):
    help = "Reprocess stored channel deliveries (failed ones by default)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--id", type=int, action="append", dest="ids",
                            help="a delivery id (repeat for several)")
        parser.add_argument("--channel", help="only this channel code")
        parser.add_argument("--unmapped", action="store_true",
                            help="also processed deliveries with orders flagged unmapped_sku")
        parser.add_argument("--dry-list", action="store_true",
                            help="only list what would be reprocessed")

    def handle(self, *args, ids=None, channel=None, unmapped=False, dry_list=False,
               **options) -> None:
        deliveries = Delivery.objects.select_related("channel").defer("body").filter(
            replay_of__isnull=True)
        if ids:
            deliveries = deliveries.filter(pk__in=ids)
            missing = set(ids) - set(deliveries.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No deliveries with ids {sorted(missing)}.")
        else:
            wanted = Q(status=Delivery.Status.FAILED)
            if unmapped:
                # A text match narrows it down in SQL; _has_unmapped below decides exactly.
                wanted |= Q(status=Delivery.Status.PROCESSED, result__icontains="unmapped_sku")
            deliveries = deliveries.filter(wanted)
        if channel:
            deliveries = deliveries.filter(channel__code=channel)
        deliveries = list(deliveries.order_by("pk"))
        if unmapped:
            deliveries = [d for d in deliveries if d.status == Delivery.Status.FAILED
                          or _has_unmapped(d)]
        if dry_list:
            for delivery in deliveries:
                self.stdout.write(f"#{delivery.pk} {delivery.channel.code} {delivery.status} "
                                  f"{delivery.error[:80]}")
            return
        done, failures = deliveries_reprocess(deliveries=deliveries, actor=None)
        for failure in failures:
            self.stderr.write(failure)
        self.stdout.write(f"Reprocessed {done} of {len(deliveries)} deliveries; "
                          f"{len(failures)} failed.")
        if failures:
            raise CommandError(f"{len(failures)} deliveries failed again.")


def _has_unmapped(delivery: Delivery) -> bool:
    return any("unmapped_sku" in answer.get("flags", [])
               for answer in delivery.result.get("orders", []))
