"""Writes on the deadline rules (from the admin), and what a change means for open work.

- An SLA policy change applies to the orders already in its state: their due times are
  recomputed after commit by a task (``open_orders_due_refresh``), with history.
- A ladder change (``orderhub.alerts.services.escalation_step_save``) reschedules the next
  rung of the open alerts it concerns.
- A ship-by promise is made at payment: a changed promise applies to orders paid afterwards.
- Traffic-light thresholds apply at once (they are read when a light is shown).
"""
from __future__ import annotations

from django.db import transaction
from simple_history.utils import bulk_update_with_history

from orderhub.core.errors import model_permission_check
from orderhub.core.history import history_note, system_user
from orderhub.core.tasks import enqueue_on_commit
from orders.locks import orders_for_update
from orders import texts
from orders.models import SLA_STEP_STATUS, Order, SlaPolicy, SlaStep
from orders.sla.config import deadline_config, deadline_config_clear
from orders.sla.deadlines import state_due_at

REFRESH_CHUNK = 500


@transaction.atomic
def sla_policy_save(*, policy: SlaPolicy, actor, reason: str = "") -> SlaPolicy:
    """Create or change an SLA policy; open orders in its state follow after commit."""
    model_permission_check(actor, policy, "change" if policy.pk else "add")
    history_note(policy, actor=actor, reason=reason or "SLA policy saved")
    policy.save()
    enqueue_on_commit(open_orders_due_refresh, step=policy.step, channel_id=policy.channel_id)
    return policy


@transaction.atomic
def sla_policy_delete(*, policy: SlaPolicy, actor, reason: str = "") -> None:
    """Delete a policy (a channel falls back to the default; a default to the built-in one)."""
    model_permission_check(actor, policy, "delete")
    step, channel_id = policy.step, policy.channel_id
    history_note(policy, actor=actor, reason=reason or "SLA policy deleted")
    policy.delete()
    enqueue_on_commit(open_orders_due_refresh, step=step, channel_id=channel_id)


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
    reason = texts.SLA_POLICY_CHANGED.encode(step=SlaStep(step))
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
