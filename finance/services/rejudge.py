"""Judging saved lines again: red lines whose order may have arrived since (the 10-minute
sweep), and an order's lines when after-sales approves a refund for it.

Both take finance's matching lock (``finance/services/locks.py``) as an import does, and lock
the lines they read; a line a person confirmed or resolved keeps its verdict
(``matching.apply_verdict``).
"""
from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from finance.models import StatementLine
from finance.services import matching
from finance.services.alerts import alerts_for_lines
from finance.services.statements import ALERT_CAUSES, statements_recount


def lines_rejudge(lines: Sequence[StatementLine]) -> list[StatementLine]:
    """Match ``lines`` (saved, locked by the caller) again and save what changed, with the
    statements' counts, the cost breakdowns, new refund matches and alerts; returns the lines
    of ``lines`` that found an order and changed."""
    if not lines:
        return []
    result = matching.reconcile(lines, skip_earlier_ids=frozenset(line.id for line in lines))
    now = timezone.now()
    changed = list(result.changed_earlier)
    found = []
    for line, verdict, match in zip(lines, result.verdicts, result.matches):
        if match is not None and matching.apply_verdict(line, verdict, order=match, now=now):
            changed.append(line)
            found.append(line)
    if changed:
        statements_recount(matching.save_changed(changed))
        matching.costs_refresh(result.units)
        alerts_for_lines(
            StatementLine.objects.filter(
                id__in=[line.id for line in changed if line.cause in ALERT_CAUSES]
            ).select_related("order")
        )
    matching.refund_pairs_save(result.refund_pairs)
    return found
