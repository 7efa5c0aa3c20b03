"""Reads on alerts: the inbox's and the API's lists, one alert with its timeline."""
from __future__ import annotations

from collections.abc import Sequence

from django.db import models
from django.db.models import Prefetch, Q, QuerySet

from orderhub.alerts.ladder import DEFAULT_LADDER, ladders_load
from orderhub.alerts.models import Alert, AlertEvent, NotificationTarget
from orderhub.core.errors import NotFound


def alert_list(
    *,
    order: models.Model | None = None,
    kind: str = "",
    level: int | None = None,
    status: Sequence[str] = (),
    team: str = "",
) -> QuerySet[Alert]:
    """Alerts, newest first, with what a list row shows (order and people joined)."""
    alerts = Alert.objects.select_related("order", "acknowledged_by", "resolved_by")
    if order is not None:
        alerts = alerts.filter(order=order)
    if kind:
        alerts = alerts.filter(kind=kind)
    if level is not None:
        alerts = alerts.filter(level=level)
    if status:
        alerts = alerts.filter(status__in=list(status))
    if team:
        alerts = alerts.filter(team=team)
    return alerts.order_by("-id")


def alert_get(*, alert_id: int) -> Alert:
    """One alert with its timeline; NotFound with a message."""
    try:
        return (
            Alert.objects.select_related("order", "acknowledged_by", "resolved_by")
            .prefetch_related(Prefetch(
                "events", queryset=AlertEvent.objects.select_related("actor").order_by("id")
            ))
            .get(pk=alert_id)
        )
    except Alert.DoesNotExist:
        raise NotFound(f"No alert #{alert_id}.") from None


def alert_order_get(*, hub_no: str) -> models.Model:
    """The order an alert filter names by hub number; NotFound with a message.

    Read through ``Alert.order``'s model, the app's one link to a domain model (no import).
    """
    order_model = Alert._meta.get_field("order").related_model
    try:
        return order_model.objects.only("pk", "hub_no").get(hub_no=hub_no.strip().upper())
    except order_model.DoesNotExist:
        raise NotFound(f"No order with hub number '{hub_no}'.") from None


# The team whose lead each role is (level 1 of that team's alerts); managers are the operations
# director and the owner, the higher rungs of every team's ladder. Role names are the groups of
# orderhub.core.roles.
ROLE_TEAMS = {"customer_service": "customer_service", "warehouse": "warehouse",
              "operations": "operations", "finance": "finance"}
MANAGER_ROLE = "manager"


def alerts_addressed_to_q(user) -> Q:
    """The alerts addressed to ``user``: their role's team's (at any level: the alert stays the
    team's while it climbs; operations also take those of no team), and for managers every
    alert that climbed past the team lead. A user in no role (a superuser) is addressed all."""
    roles = set(user.groups.values_list("name", flat=True)) if user.pk else set()
    teams = {ROLE_TEAMS[role] for role in roles if role in ROLE_TEAMS}
    if "operations" in teams:
        teams.add("")
    addressed = Q(team__in=sorted(teams)) if teams else Q(pk__in=[])
    if MANAGER_ROLE in roles:
        addressed |= Q(level__gte=Alert.Level.DIRECTOR)
    if not teams and MANAGER_ROLE not in roles:
        return Q()
    return addressed


def ladder_silent_rungs() -> list[tuple[str, int]]:
    """The rungs of the escalation ladders that notify nobody: ``(kind, level)`` of each rung
    with no active recipient and, when it goes to the team's lead, no active team-lead target
    (kind "" is the default ladder; with no ladder at all, the built-in one)."""
    current = ladders_load()
    active = set(NotificationTarget.objects.filter(is_active=True).values_list("pk", flat=True))
    any_lead = NotificationTarget.objects.filter(is_active=True).exclude(team="").exists()
    silent = []
    for kind, rungs in sorted((current.by_kind or {"": DEFAULT_LADDER}).items()):
        for rung in rungs:
            if not (active & set(rung.recipient_ids)) and not (rung.to_team_lead and any_lead):
                silent.append((kind, rung.level))
    return silent
