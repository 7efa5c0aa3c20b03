"""Who sees the event mechanism: operations and managers watch the backlog and the dead
letters and retry or discard them (merged by ``orderhub.core.roles.sync_roles``)."""
from __future__ import annotations

_WATCH = ["events.view_event", "events.view_eventtask", "events.retry_eventtask"]

ROLES: dict[str, list[str]] = {
    "operations": _WATCH,
    "manager": _WATCH,
}
