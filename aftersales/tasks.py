"""Background jobs of the after-sales app (django-q2); each an idempotent sweep."""
from __future__ import annotations

from aftersales.deadlines import cases_sweep


def cases_sweep_task() -> int:
    """Every minute: open cases past their answer deadline alert their team."""
    return cases_sweep()
