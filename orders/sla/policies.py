"""Writes on the deadline rules (from the admin), and what a change means for open work.

- An SLA policy change applies to the orders already in its state: their due times are
  recomputed after commit by a task (``orders.tasks.sla_due_times_refresh``), with history.
- A ladder change reschedules the next rung of the open alerts it concerns.
- A ship-by promise is made at payment: a changed promise applies to orders paid afterwards.
- Traffic-light thresholds apply at once (they are read when a light is shown).
"""
from __future__ import annotations

from django.db import models, transaction
from simple_history.utils import bulk_update_with_history

from orderhub.core.errors import PermissionRefused
from orderhub.core.history import system_user
from orderhub.core.tasks import enqueue_on_commit
from orders.alerts import next_escalation_at
from orders.locks import orders_for_update
from orders.models import SLA_STEP_STATUS, Alert, EscalationStep, Order, SlaPolicy
from orders.sla.config import deadline_config, deadline_config_clear
from orders.sla.deadlines import state_due_at

REFRESH_TASK = "orders.tasks.sla_due_times_refresh"
REFRESH_CHUNK = 500


def _check(actor, instance: models.Model, action: str) -> None:
    opts = instance._meta
    permission = f"{opts.app_label}.{action}_{opts.model_name}"
    if actor is not None and not actor.has_perm(permission):
        raise PermissionRefused(f"Your role may not {action} {opts.verbose_name_plural} "
                                f"(needs '{permission}').")


def _history(instance: models.Model, actor, reason: str) -> None:
    instance._history_user = actor if getattr(actor, "is_authenticated", False) else None
    instance._change_reason = reason


@transaction.atomic
def sla_policy_save(*, policy: SlaPolicy, actor, reason: str = "") -> SlaPolicy:
    """Create or change an SLA policy; open orders in its state follow after commit."""
    _check(actor, policy, "change" if policy.pk else "add")
    _history(policy, actor, reason or "SLA policy saved")
    policy.save()
    enqueue_on_commit(REFRESH_TASK, policy.step, policy.channel_id)
    return policy


@transaction.atomic
def sla_policy_delete(*, policy: SlaPolicy, actor, reason: str = "") -> None:
    """Delete a policy (a channel falls back to the default; a default to the built-in one)."""
    _check(actor, policy, "delete")
    step, channel_id = policy.step, policy.channel_id
    _history(policy, actor, reason or "SLA policy deleted")
    policy.delete()
    enqueue_on_commit(REFRESH_TASK, step, channel_id)


def open_orders_due_refresh(*, step: str, channel_id: int | None = None) -> int:
    """Recompute the due time of the orders in ``step``'s state; returns how many changed.

    Chunk by chunk, each locked and checked again, so that an order moving meanwhile keeps
    the due time its move set.
    """
    status = SLA_STEP_STATUS[step]
    deadline_config_clear()
    config = deadline_config()
    orders = Order.objects.filter(status=status)
    if channel_id is not None:
        orders = orders.filter(channel_id=channel_id)
    ids = list(orders.order_by("pk").values_list("pk", flat=True))
    reason = f"SLA policy for '{step}' changed: new due time"
    changed_total = 0
    for start in range(0, len(ids), REFRESH_CHUNK):
        with transaction.atomic():
            locked = orders_for_update().filter(
                pk__in=ids[start:start + REFRESH_CHUNK], status=status
            ).order_by("pk")
            changed = []
            for order in locked:
                due = state_due_at(status=status, channel_id=order.channel_id,
                                   entered_at=order.state_entered_at, config=config)
                if due != order.state_due_at:
                    order.state_due_at = due
                    changed.append(order)
            bulk_update_with_history(
                changed, Order, ["state_due_at"], batch_size=REFRESH_CHUNK,
                default_user=system_user(), default_change_reason=reason,
            )
            changed_total += len(changed)
    return changed_total


@transaction.atomic
def escalation_step_save(*, step: EscalationStep, actor, reason: str = "") -> EscalationStep:
    """Create or change a rung; the open alerts it concerns get their next rung rescheduled."""
    _check(actor, step, "change" if step.pk else "add")
    _history(step, actor, reason or "escalation step saved")
    step.save()
    transaction.on_commit(lambda: open_alerts_reschedule(kind=step.kind))
    return step


@transaction.atomic
def open_alerts_reschedule(*, kind: str) -> int:
    """Recompute the next escalation of open alerts on the ladder of ``kind`` ("" = default)."""
    deadline_config_clear()
    config = deadline_config()
    alerts = Alert.objects.select_for_update().filter(status=Alert.AlertStatus.OPEN)
    if kind:
        alerts = alerts.filter(kind=kind)
    else:
        alerts = alerts.exclude(kind__in=[k for k in config.ladders if k])
    changed = []
    for alert in alerts:
        due = next_escalation_at(kind=alert.kind, level=alert.level, raised_at=alert.raised_at)
        if due != alert.next_escalation_at:
            alert.next_escalation_at = due
            changed.append(alert)
    Alert.objects.bulk_update(changed, ["next_escalation_at"], batch_size=500)
    return len(changed)
