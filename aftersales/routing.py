"""Which team a case goes to, its priority, and when it must be answered.

Each reason goes to the team that fixes its cause (``TeamRoute``, kept by operations in the
admin; a reason without a row follows ``DEFAULT_ROUTES``). The answer is due when the
platform's response window ends: the platform's own deadline when it sends one, otherwise
``ORDERHUB_AFTERSALES_WINDOW_HOURS`` (48) after the request; unanswered by then, most platforms
approve the request on the seller's behalf.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings

from aftersales.models import Case, ReasonCategory, Team, TeamRoute

DEFAULT_ROUTES: dict[str, tuple[str, int]] = {
    ReasonCategory.WRONG_ITEM: (Team.WAREHOUSE, Case.Priority.HIGH),
    ReasonCategory.MISSING_ITEM: (Team.WAREHOUSE, Case.Priority.HIGH),
    ReasonCategory.DAMAGED: (Team.LOGISTICS_CLAIMS, Case.Priority.HIGH),
    ReasonCategory.QUALITY: (Team.OPERATIONS, Case.Priority.NORMAL),
    ReasonCategory.NOT_AS_DESCRIBED: (Team.OPERATIONS, Case.Priority.NORMAL),
    ReasonCategory.NO_LONGER_WANTED: (Team.CUSTOMER_SERVICE, Case.Priority.NORMAL),
    ReasonCategory.OTHER: (Team.CUSTOMER_SERVICE, Case.Priority.NORMAL),
}


def route(category: str) -> tuple[str, int]:
    """(team, priority) for a reason (one query)."""
    row = TeamRoute.objects.filter(category=category).values_list("team", "priority").first()
    return row if row is not None else DEFAULT_ROUTES.get(category, DEFAULT_ROUTES["other"])


def window_hours() -> int:
    return int(getattr(settings, "ORDERHUB_AFTERSALES_WINDOW_HOURS", 48))


def answer_due(*, requested_at: dt.datetime, platform_deadline: dt.datetime | None) -> dt.datetime:
    """The platform's deadline when it gives one, else the default window."""
    if platform_deadline is not None:
        return platform_deadline
    return requested_at + dt.timedelta(hours=window_hours())
