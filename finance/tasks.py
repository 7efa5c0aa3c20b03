"""django-q2 tasks of finance. Each is an idempotent sweep that catches up after downtime.

Schedules (created by migration 0002): the consistency check every 30 minutes and the red-line
sweep every 10 minutes (so that a red line escalates within 2 h 10 min at worst). Settling is
not a task: it follows events (``finance/handlers.py``).
"""
from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage

from finance import texts
from finance.services.alerts import TEAM
from finance.services.consistency import consistency_check
from finance.services.escalation import red_lines_escalate, red_lines_rematch
from finance.services.settlement import missing_money_sweep
from finance.services.statements import statement_import
from orderhub.alerts.services import alert_raise
from orderhub.core.errors import DomainError
from orders.models import Channel

logger = logging.getLogger(__name__)


def import_statement_file(
    stored: str, file_name: str, source: str, channel_id: int | None, actor_id: int | None
) -> dict:
    """A large statement confirmed in the admin, imported off the request (PITFALLS.md)."""
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    channel = Channel.objects.filter(pk=channel_id).first() if channel_id else None
    with default_storage.open(stored, "rb") as handle:
        content = handle.read()
    try:
        outcome = statement_import(
            content=content, file_name=file_name, source=source, channel=channel, actor=actor
        )
    except DomainError as problem:
        # Nobody waits on the page: tell finance through the alert inbox.
        alert_raise(
            key=f"finance:import_failed:{stored.rsplit('/', 1)[-1]}", kind="finance_import_failed",
            title=texts.IMPORT_FAILED.encode(file=file_name), team=TEAM,
            # a statement's refusal is kept as its code, read in the reader's language
            message=getattr(problem, "stored", problem.message),
            data={"file_name": file_name, "source": source, **problem.extra},
        )
        return {"imported": False}
    default_storage.delete(stored)
    return {"imported": True, "statement": outcome.statement_id, **outcome.counts}


def finance_consistency_check() -> dict:
    """Every 30 minutes: paid orders per channel vs the channels' figures (0.3 % tolerance)."""
    checks = consistency_check()
    off = [check for check in checks if not check.within_tolerance]
    if off:
        logger.warning("finance consistency: %d channel-days off tolerance", len(off))
    return {"checked": len(checks), "off": len(off)}


def finance_red_line_sweep() -> dict:
    """Every 10 minutes: match early red lines again, flag finished orders without money,
    escalate red lines unresolved for 2 hours."""
    return {
        "rematched": red_lines_rematch(),
        "no_money": missing_money_sweep(),
        "escalated": red_lines_escalate(),
    }

