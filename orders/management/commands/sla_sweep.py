"""``manage.py sla_sweep [--now ISO-8601] [--dry-run]``: the deadline sweep, as at a given time.

For catching up after downtime (run it as at now: the range queries find everything overdue)
and for rehearsing (``--dry-run`` rolls everything back and sends nothing). Prints what it did.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from orders.sla.sweep import SweepReport, sla_sweep, sla_sweep_until_done


class DryRun(Exception):
    """Raised inside the sweep's transaction to roll it back."""


class Command(BaseCommand):
    help = "Run the deadline (SLA) sweep once, as at --now (default: now), and print what it did."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--now", help="Run as at this time, ISO 8601 (e.g. 2026-01-28T10:00:00+08:00); "
                          "a time without offset is in the hub's time zone.",
        )
        parser.add_argument(
            "--dry-run", action="store_true",
            help="Show what the sweep would do, then roll it back (nothing is sent).",
        )

    def handle(self, *args, **options) -> None:
        now = self._parse_now(options["now"])
        if not options["dry_run"]:
            for report in sla_sweep_until_done(now=now):
                self._print(report, dry_run=False)
            return
        try:
            with transaction.atomic():
                report = sla_sweep(now=now)
                raise DryRun
        except DryRun:
            self._print(report, dry_run=True)

    def _parse_now(self, value: str | None):
        if not value:
            return timezone.now()
        moment = parse_datetime(value.strip())
        if moment is None:
            raise CommandError(f"--now {value!r} is not an ISO 8601 date-time, "
                               f"e.g. 2026-01-28T10:00:00+08:00.")
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    def _print(self, report: SweepReport, *, dry_run: bool) -> None:
        when = timezone.localtime(report.now).isoformat()
        prefix = "[dry run, rolled back] " if dry_run else ""
        self.stdout.write(f"{prefix}SLA sweep as at {when}")
        for breach in report.raised:
            self.stdout.write(f"  raised {breach.kind} alert for {breach.hub_no} "
                              f"({breach.status}, due {timezone.localtime(breach.due_at):%Y-%m-%d %H:%M})")
        for climb in report.climbs:
            self.stdout.write(f"  escalated alert #{climb.alert_id}: level {climb.from_level} "
                              f"→ {climb.to_level}")
        self.stdout.write(
            f"  {len(report.raised)} raised, {report.marked_stuck} orders marked stuck, "
            f"{len(report.climbs)} escalated, {report.resolved} resolved"
            + (f", {report.skipped_locked} orders busy (next run)" if report.skipped_locked else "")
            + (f", {report.backlog} more in the next batch" if report.backlog else "")
        )
