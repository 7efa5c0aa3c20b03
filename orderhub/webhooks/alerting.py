"""The one place where the webhooks app raises an alert (through ``orderhub.alerts``, the
hub's one alert mechanism, infrastructure like this app)."""
from __future__ import annotations

import datetime as dt

from django.urls import reverse

from orderhub.alerts.models import Team
from orderhub.alerts.services import alert_raise
from orderhub.core.site import site_url
from orderhub.webhooks import texts

ALERT_KIND = "webhook_disabled"


def alert_endpoint_disabled(*, subscription_id: int, url: str, owner: str, reason: str,
                            disabled_at: dt.datetime) -> None:
    """Tell the operations team that an integrator's endpoint was switched off and how to
    switch it on again (once per switch-off)."""
    link = site_url(reverse("admin:webhooks_subscription_change", args=[subscription_id]))
    alert_raise(
        key=f"webhooks:disabled:{subscription_id}:{disabled_at.isoformat()}",
        kind=ALERT_KIND, team=Team.OPERATIONS,
        title=texts.DISABLED_TITLE.encode(owner=owner, url=url),
        message=texts.DISABLED_MESSAGE.encode(reason=reason, link=link),
        data={"subscription": subscription_id, "url": url, "owner": owner},
    )
