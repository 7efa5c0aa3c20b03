"""Who subscribes and who watches (merged by ``orderhub.core.roles.sync_roles``).

Integrators and managers subscribe through the API (their own subscriptions only). Managers
see every subscription, delivery and attempt in the admin and act on them (re-enable, retry,
ping, edit, delete); operations, whose team lead is alerted when an endpoint is switched off,
see them and re-enable, retry and ping.
"""
from __future__ import annotations

_WATCH = ["webhooks.view_subscription", "webhooks.change_subscription",
          "webhooks.view_delivery", "webhooks.change_delivery", "webhooks.view_deliveryattempt"]

ROLES: dict[str, list[str]] = {
    "integrator": ["webhooks.add_subscription"],
    "operations": _WATCH,
    "manager": _WATCH + ["webhooks.add_subscription", "webhooks.delete_subscription"],
}
