"""What each staff role may do with alerts (merged by ``orderhub.core.roles.sync_roles``)."""
from __future__ import annotations

from orderhub.core.roles import ROLE_NAMES

# Every role has the alert inbox: it sees alerts (their timeline and deliveries) and
# acknowledges or resolves them.
_INBOX = [
    "alerts.view_alert", "alerts.change_alert", "alerts.view_alertevent",
    "alerts.view_alertdelivery",
]
# Operations and managers decide who is told, and when (with the deadline rules of orders).
_LADDERS = [
    f"alerts.{action}_{model}"
    for model in ("escalationstep", "notificationtarget")
    for action in ("view", "add", "change", "delete")
] + ["alerts.change_alertdelivery"]

ROLES: dict[str, list[str]] = {
    role: _INBOX + (_LADDERS if role in ("operations", "manager") else [])
    for role in ROLE_NAMES
}
