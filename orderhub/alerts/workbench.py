"""The alerts' share of the workbench: the open alerts addressed to the signed-in role (its
team's; the manager's bench shows every team's), loudest first."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.admin.utils import quote
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orderhub.alerts.models import Alert, Team
from orderhub.workbench.registry import (
    STAFF_ROLES,
    Feed,
    Row,
    capped_count,
    register,
)

VIEW = "alerts.view_alert"
SHOWN = 8
LEVEL_TONES = {Alert.Level.TEAM_LEAD: "", Alert.Level.DIRECTOR: "warning",
               Alert.Level.OWNER: "danger"}


def addressed_to(role_set: frozenset[str]):
    """Open alerts of the roles' teams; a manager is addressed by every alert."""
    alerts = Alert.objects.filter(status=Alert.AlertStatus.OPEN)
    if "manager" in role_set:
        return alerts
    teams = [role for role in role_set if role in Team.values]
    # An alert no team owns reaches operations, who run the hub day to day.
    unowned = Q(team="") if "operations" in role_set else Q(pk__in=[])
    return alerts.filter(Q(team__in=teams) | unowned)


def inbox_url(role_set: frozenset[str]) -> str:
    params = {"status__exact": Alert.AlertStatus.OPEN}
    teams = [role for role in role_set if role in Team.values]
    if "manager" not in role_set and len(teams) == 1:
        params["team__exact"] = teams[0]
    return f"{reverse('admin:alerts_alert_changelist')}?{urlencode(params)}"


def open_alert_rows(role_set: frozenset[str]) -> list[Row]:
    alerts = addressed_to(role_set).select_related("order").order_by("-level", "-id")[:SHOWN]
    return [
        Row(label=alert.title,
            url=reverse("admin:alerts_alert_change", args=[quote(alert.pk)]),
            note=" · ".join(filter(None, [
                str(alert.get_level_display()),
                timezone.localtime(alert.raised_at).strftime("%m-%d %H:%M"),
                alert.order.hub_no if alert.order_id else "",
            ])),
            tone=LEVEL_TONES.get(alert.level, ""))
        for alert in alerts
    ]


def open_alert_total(role_set: frozenset[str]) -> int:
    return capped_count(addressed_to(role_set))


register(Feed(key="alerts.open", title=_("Open alerts for you"), items=open_alert_rows,
              roles=frozenset(STAFF_ROLES), permission=VIEW, more_url=inbox_url,
              total=open_alert_total, position=10,
              empty=_("No open alert is addressed to you.")))
