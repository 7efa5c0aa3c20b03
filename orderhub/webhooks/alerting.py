"""The one place where the webhooks app raises an alert.

The hub's alert mechanism lives in ``orders.alerts`` today and is moving to
``orderhub/alerts/services.py`` (infrastructure beside this app): when it has moved, re-point
the import below, and this app imports no domain app any more. Until then this module is the
only exception, and nothing else in the app imports it directly but the sender.
"""
from __future__ import annotations

from django.conf import settings

from orders.alerts import alert_raise

ALERT_KIND = "webhook_disabled"
ALERT_TEAM = "operations"


def alert_endpoint_disabled(*, subscription_id: int, url: str, owner: str, reason: str,
                            disabled_at) -> None:
    """Tell staff that an integrator's endpoint was switched off and how to switch it on."""
    base_url = getattr(settings, "ORDERHUB_BASE_URL", "").rstrip("/")
    link = (f"\n{base_url}/admin/webhooks/subscription/{subscription_id}/change/"
            if base_url else "")
    alert_raise(
        key=f"webhooks:disabled:{subscription_id}:{disabled_at.isoformat()}",
        kind=ALERT_KIND, team=ALERT_TEAM,
        title=f"Webhook endpoint of {owner} switched off: {url}"[:200],
        message=(f"{reason}\nEvents are no longer delivered to it. When the receiver works "
                 f"again, re-enable the subscription in the admin (Webhook subscriptions → "
                 f"Re-enable); what was already owed is then sent, in order.{link}"),
        data={"subscription": subscription_id, "url": url, "owner": owner},
    )
