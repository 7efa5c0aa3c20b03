"""The one place where the webhooks app raises an alert (through ``orderhub.alerts``, the
hub's one alert mechanism, infrastructure like this app)."""
from __future__ import annotations

import datetime as dt

from django.conf import settings

from orderhub.alerts.models import Team
from orderhub.alerts.services import alert_raise

ALERT_KIND = "webhook_disabled"


def alert_endpoint_disabled(*, subscription_id: int, url: str, owner: str, reason: str,
                            disabled_at: dt.datetime) -> None:
    """Tell the operations team that an integrator's endpoint was switched off and how to
    switch it on again (once per switch-off)."""
    base_url = getattr(settings, "ORDERHUB_BASE_URL", "").rstrip("/")
    link = (f"\n{base_url}/admin/webhooks/subscription/{subscription_id}/change/"
            if base_url else "")
    alert_raise(
        key=f"webhooks:disabled:{subscription_id}:{disabled_at.isoformat()}",
        kind=ALERT_KIND, team=Team.OPERATIONS,
        title=f"Webhook endpoint of {owner} switched off: {url}"[:200],
        message=(f"{reason}\nEvents are no longer delivered to it. When the receiver works "
                 f"again, re-enable the subscription in the admin (Webhook subscriptions → "
                 f"Re-enable); what was already owed is then sent, in order.{link}"),
        data={"subscription": subscription_id, "url": url, "owner": owner},
    )
