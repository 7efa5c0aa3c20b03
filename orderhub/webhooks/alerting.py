"""The one place where the webhooks app raises an alert (through ``orderhub.alerts``, the
hub's one alert mechanism, infrastructure like this app)."""
from __future__ import annotations

import datetime as dt

from django.urls import reverse

from orderhub.alerts.models import Team
from orderhub.alerts.services import alert_raise
from orderhub.core.site import site_url

ALERT_KIND = "webhook_disabled"


def alert_endpoint_disabled(*, subscription_id: int, url: str, owner: str, reason: str,
                            disabled_at: dt.datetime) -> None:
    """Tell the operations team that an integrator's endpoint was switched off and how to
    switch it on again (once per switch-off)."""
    link = site_url(reverse("admin:webhooks_subscription_change", args=[subscription_id]))
    alert_raise(
        key=f"webhooks:disabled:{subscription_id}:{disabled_at.isoformat()}",
        kind=ALERT_KIND, team=Team.OPERATIONS,
        title=f"Webhook endpoint of {owner} switched off: {url}"[:200],
        message=(f"{reason}\nEvents are no longer delivered to it. When the receiver works "
                 f"again, re-enable the subscription in the admin (Webhook subscriptions → "
                 f"Re-enable); what was already owed is then sent, in order.\n{link}"),
        data={"subscription": subscription_id, "url": url, "owner": owner},
    )
