"""Fulfilment of paid orders: run the rules, carry out their actions, route, reserve, merge.

Triggered right after commit by the logistics event handler (``logistics/handlers.py``) when an
order arrives paid or is paid later, a batch at a time: one ingestion's orders are decided
together, each step one query for the whole batch (their lines, tags, categories, near-identical
orders, the stock levels, the stock rows to lock, the decisions, the parcels), so that a peak day
keeps up with ingestion. Everything for a batch happens in one transaction under the orders'
row locks, and the decision row (``FulfilmentDecision``, one per order) is written in it: a
second run finds the decision and changes nothing.

Steps: the active rules run in priority order and every match is recorded with what it saw and
what it did (``RuleMatch``), so staff can see why an order is where it is. Actions on an order
go through ``orders.services`` as the system (``actor=None``): tags, priority, gifts, risk
review, holds, in that order (a hold placed first would block the move to review); most orders
match no action rule and cost nothing here. Then the batch is routed and its stock reserved
(``routing.allocate_many``); an order no warehouse can supply is held with the reason
("out of stock: SKU …") and the warehouse is alerted, holding nothing. Allocated orders may
complete a merged parcel.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from logistics import texts
from logistics.models import (
    FulfilmentDecision,
    FulfilmentRule,
    FulfilmentSettings,
    RuleAction,
    RuleMatch,
    Warehouse,
)
from logistics.rules import FactsBatch, Matched, OrderFacts, active_rules, matching_rules
from logistics.services.parcels import address_key, parcels_merge
from logistics.services.routing import Allocation, Plan, allocate_many, capacity_count
from orderhub.alerts.models import Alert
from orderhub.alerts.services import alert_raise, alert_resolve
from orderhub.core.errors import Conflict, DomainError, NotFound, PermissionRefused
from orderhub.core.texts import choice
from orders.channel_sync import order_tags_add
from orders.locks import orders_for_update
from orders.metrics.services import order_flows_route
from orders.models import Hold, Order, Product
from orders.holds import OUT_OF_STOCK_KEY, hold_place, order_release_own_hold
from orders.services import (
    Actor,
    gift_order_create,
    order_send_to_review,
    order_set_priority,
)
from orders.selectors import orders_fulfilled_by_channel
from orders.state_machine import AWAITING_SHIPMENT, Status

# Paid and still in the warehouse's hands: the orders that hold stock.
ELIGIBLE = AWAITING_SHIPMENT
RETRY_PERMISSION = "logistics.retry_fulfilment"
Kind = RuleAction.Kind
# Order in which actions are carried out, whatever the rules' order.
_KIND_ORDER = {Kind.ADD_TAG: 0, Kind.SET_PRIORITY: 1, Kind.ADD_GIFT: 2, Kind.RISK_REVIEW: 3,
               Kind.HOLD: 4}


@dataclass
class _Step:
    kind: str
    match: Matched
    action: RuleAction


def _lock_many(order_ids: Sequence[int]) -> list[Order]:
    """The orders, locked in id order, with their channel and customer read (not locked)."""
    return list(orders_for_update().select_related("channel", "customer")
                .filter(pk__in=sorted(set(order_ids))).order_by("pk"))


def fulfilment_process(*, order_id: int) -> FulfilmentDecision | None:
    """Decide, route and reserve one paid order (idempotent); ``None`` when not eligible."""
    return fulfilment_decide(order_ids=[order_id]).get(order_id)


@transaction.atomic
def fulfilment_decide(*, order_ids: Sequence[int]) -> dict[int, FulfilmentDecision]:
    """Decide, route and reserve a batch of paid orders (idempotent): returns each order's
    decision, the existing one for an order decided before; orders that are not eligible
    (unpaid, shipped, cancelled) are left out."""
    orders = _lock_many(order_ids)
    existing = {decision.order_id: decision for decision in
                FulfilmentDecision.objects.filter(order_id__in=[o.pk for o in orders])}
    todo = [order for order in orders if order.pk not in existing and order.status in ELIGIBLE]
    # Orders the channel ships from its own warehouse (Amazon AFN) never reach ours.
    theirs = orders_fulfilled_by_channel(order_ids=[order.pk for order in todo])
    todo = [order for order in todo if order.pk not in theirs]
    if not todo:
        return existing
    settings = FulfilmentSettings.current()
    rules = active_rules()
    batch = FactsBatch(todo, settings=settings)
    matched_of, notes_of, plans = {}, {}, []
    for order in todo:
        matched = matching_rules(OrderFacts(order, settings=settings, batch=batch), rules)
        preferred, notes = _carry_out(order, matched)
        matched_of[order.pk], notes_of[order.pk] = matched, notes
        plans.append(Plan(order=order, lines=batch.lines[order.pk], preferred=preferred,
                          reason=texts.ORDER_PAID.encode(hub_no=order.hub_no)))
    allocations, taken = allocate_many(plans)
    decisions = FulfilmentDecision.objects.bulk_create([
        FulfilmentDecision(
            order=order, warehouse=allocation.warehouse,
            over_capacity=allocation.over_capacity,
            outcome=(FulfilmentDecision.Outcome.ALLOCATED if allocation.ok
                     else FulfilmentDecision.Outcome.OUT_OF_STOCK),
            summary=_summary(matched_of[order.pk], allocation), address_key=address_key(order),
        )
        for order, allocation in zip(todo, allocations)
    ])
    RuleMatch.objects.bulk_create([
        RuleMatch(decision=decision, rule=m.rule, rule_name=m.rule.name,
                  rule_priority=m.rule.priority,
                  seen=texts.SEEN_ALL.encode(conditions=m.seen),
                  done=texts.SUMMARY.encode(parts=notes_of[decision.order_id][index]))
        for decision in decisions for index, m in enumerate(matched_of[decision.order_id])
    ])
    placed = [(order, decision, allocation)
              for order, decision, allocation in zip(todo, decisions, allocations)]
    parcels_merge(decided=[(order, decision) for order, decision, allocation in placed
                           if allocation.ok], settings=settings)
    over: set[int] = set()  # one alert per warehouse and day: the first order over names it
    for order, decision, allocation in placed:
        if allocation.over_capacity and decision.warehouse_id in over:
            continue
        if allocation.over_capacity:
            over.add(decision.warehouse_id)
        _after_allocation(order, decision, allocation)
    # The management figures are kept per warehouse: tell orders where each order goes.
    order_flows_route(warehouses={d.order_id: d.warehouse_id for d in decisions},
                      names={a.warehouse.pk: a.warehouse.name for a in allocations if a.warehouse})
    capacity_count(counts=taken)  # last: it locks the day's counters
    return {**existing, **{decision.order_id: decision for decision in decisions}}


def _summary(matched: list[Matched], allocation: Allocation) -> str:
    rules = [m.rule.name for m in matched] or texts.NO_RULES.encode()
    return texts.DECISION.encode(summary=allocation.summary() or texts.NOT_ROUTED.encode(),
                                 rules=rules)


def shortage_text(allocation: Allocation) -> str:
    """``SKU X (needs 2, 0 available)``: the best any warehouse could do (what the hold says)."""
    if not allocation.shortages:
        return texts.NO_WAREHOUSE.encode()
    return texts.SUMMARY.encode(parts=[
        texts.SHORTAGE.encode(sku=s.sku, needed=s.needed, available=s.available)
        for s in allocation.best_shortages()])


def out_of_stock_reason(allocation: Allocation) -> str:
    """``out of stock: SKU X (needs 2, 0 available)``."""
    return texts.OUT_OF_STOCK.encode(shortages=shortage_text(allocation))


def _after_allocation(order: Order, decision: FulfilmentDecision,
                      allocation: Allocation) -> None:
    if allocation.ok:
        if allocation.over_capacity:
            alert_raise(
                key=f"over-capacity:{decision.warehouse_id}:{timezone.localdate():%Y-%m-%d}",
                kind="warehouse_over_capacity", team="operations", order=order,
                title=texts.OVER_CAPACITY_TITLE.encode(warehouse=allocation.warehouse.name),
                message=texts.OVER_CAPACITY_MESSAGE.encode(hub_no=order.hub_no,
                                                           warehouse=allocation.warehouse.code),
            )
        return
    reason = out_of_stock_reason(allocation)
    hold_place(order=order, actor=None, reason=shortage_text(allocation),
               source=Hold.Source.OUT_OF_STOCK,
               key=OUT_OF_STOCK_KEY, params={"shortages": [
                   {"sku": s.sku, "needed": s.needed, "available": s.available}
                   for s in allocation.best_shortages()]})
    alert_raise(
        key=f"out-of-stock:{order.pk}", kind="out_of_stock", team="warehouse", order=order,
        title=texts.HELD_TITLE.encode(hub_no=order.hub_no, reason=reason),
        message=allocation.summary(),
        data={"shortages": [
            {"warehouse": s.warehouse, "sku": s.sku, "needed": s.needed,
             "available": s.available} for s in allocation.shortages
        ]},
    )


def _carry_out(order: Order, matched: list[Matched]) -> tuple[list[Warehouse], list[list[str]]]:
    """Carry out the matched rules' actions; returns the preferred warehouses and, per match,
    what was done (or why an action was skipped)."""
    notes: list[list[str]] = [[] for _ in matched]
    preferred: list[Warehouse] = []
    steps: list[_Step] = []
    for index, match in enumerate(matched):
        for action in match.rule.actions.all():
            if action.kind == Kind.ASSIGN_WAREHOUSE and action.warehouse is not None:
                preferred.append(action.warehouse)
                notes[index].append(texts.NOTE_PREFER.encode(warehouse=action.warehouse.code))
            elif action.kind in _KIND_ORDER:
                steps.append(_Step(action.kind, match, action))
    top_priority = max((s.action.priority for s in steps if s.kind == Kind.SET_PRIORITY
                        and s.action.priority is not None), default=None)
    for step in sorted(steps, key=lambda s: _KIND_ORDER[s.kind]):
        index = matched.index(step.match)
        try:
            notes[index].append(_ACTIONS[step.kind](order, step, top_priority))
        except DomainError as refused:
            notes[index].append(texts.NOTE_SKIPPED.encode(action=Kind(step.action.kind),
                                                           why=refused.message))
    return preferred, notes


def _rule_reason(step: _Step) -> str:
    if step.match.seen:
        return texts.RULE_SEEN.encode(rule=step.match.rule.name, seen=step.match.seen)
    return texts.RULE.encode(rule=step.match.rule.name)


def _add_tag(order: Order, step: _Step, _top) -> str:
    tag = step.action.value.strip()[:50] or "rule"
    order_tags_add(tags=[(order.pk, tag, texts.RULE.encode(rule=step.match.rule.name))])
    return texts.NOTE_TAG.encode(tag=tag)


def _set_priority(order: Order, step: _Step, top) -> str:
    wanted = step.action.priority
    label = Order.Priority(wanted) if wanted is not None else "?"
    if wanted is None or wanted != top or order.priority >= wanted:
        return texts.NOTE_PRIORITY_KEPT.encode(priority=label,
                                               current=Order.Priority(order.priority))
    order_set_priority(order=order, priority=wanted, actor=None, reason=_rule_reason(step))
    return texts.NOTE_PRIORITY.encode(priority=label)


def _add_gift(order: Order, step: _Step, _top) -> str:
    sku = step.action.value.strip()
    product = Product.objects.filter(sku=sku).first()
    gift = gift_order_create(
        order=order, sku=sku, title=product.name if product else sku,
        promotion=step.match.rule.name[:100], actor=None, reason=_rule_reason(step),
    )
    return texts.NOTE_GIFT.encode(gift=gift.hub_no, sku=sku)


def _risk_review(order: Order, step: _Step, _top) -> str:
    if order.status != Status.PAID:
        return texts.NOTE_REVIEW_SKIPPED.encode(status=choice(Status, order.status))
    order_send_to_review(order=order, actor=None, reason=_rule_reason(step))
    return texts.NOTE_REVIEW.encode()


def _hold(order: Order, step: _Step, _top) -> str:
    reason = step.action.value.strip() or _rule_reason(step)
    hold_place(order=order, actor=None, reason=reason, source=Hold.Source.RULE,
               key=f"rule:{step.match.rule.pk}", params={"rule": step.match.rule.name})
    return texts.NOTE_HELD.encode(reason=reason)


_ACTIONS: dict[str, Callable[[Order, _Step, int | None], str]] = {
    Kind.ADD_TAG: _add_tag, Kind.SET_PRIORITY: _set_priority, Kind.ADD_GIFT: _add_gift,
    Kind.RISK_REVIEW: _risk_review, Kind.HOLD: _hold,
}


# --- retrying out-of-stock orders --------------------------------------------------------------
@transaction.atomic
def fulfilment_retry(*, order_id: int, actor: Actor) -> FulfilmentDecision:
    """Try again to reserve an order that was out of stock; on success lift that hold."""
    if actor is not None and not actor.has_perm(RETRY_PERMISSION):
        raise PermissionRefused(
            f"Your role may not retry reservations (needs permission '{RETRY_PERMISSION}')."
        )
    orders = _lock_many([order_id])
    decision = FulfilmentDecision.objects.filter(order_id=order_id).first()
    if not orders or decision is None:
        raise NotFound(f"Order #{order_id} has no fulfilment decision yet.")
    order = orders[0]
    if decision.outcome != FulfilmentDecision.Outcome.OUT_OF_STOCK:
        raise Conflict(f"Order {order.hub_no} already has its stock ({decision.summary}).")
    if order.status not in ELIGIBLE:
        raise Conflict(f"Order {order.hub_no} is '{order.status}'; it needs no stock now.")
    preferred = [
        action.warehouse for action in RuleAction.objects.filter(
            rule__in=FulfilmentRule.objects.filter(
                pk__in=decision.matches.values("rule_id")), kind=Kind.ASSIGN_WAREHOUSE,
        ).select_related("warehouse").order_by("rule__priority", "position", "id")
        if action.warehouse is not None
    ]
    [allocation], taken = allocate_many([Plan(
        order=order, lines=list(order.lines.order_by("pk")), preferred=preferred,
        reason=texts.RESERVATION_RETRIED.encode(hub_no=order.hub_no))])
    decision.attempts += 1
    decision.summary = texts.DECISION_RETRY.encode(summary=allocation.summary(),
                                                   attempt=decision.attempts)
    if not allocation.ok:
        decision.save(update_fields=["attempts", "summary", "updated_at"])
        return decision
    decision.outcome = FulfilmentDecision.Outcome.ALLOCATED
    decision.warehouse, decision.over_capacity = allocation.warehouse, allocation.over_capacity
    decision.save(update_fields=["attempts", "summary", "outcome", "warehouse", "over_capacity",
                                 "updated_at"])
    _lift_out_of_stock_hold(order)
    alert = Alert.objects.filter(key=f"out-of-stock:{order.pk}").first()
    if alert is not None:
        alert_resolve(alert=alert, actor=None, resolution=texts.RESERVED_ON_RETRY.encode())
    parcels_merge(decided=[(order, decision)])
    capacity_count(counts=taken)
    return decision


def _lift_out_of_stock_hold(order: Order) -> None:
    """Lift the out-of-stock hold; another hold (a rule, a person) keeps the order held."""
    order_release_own_hold(order=order, key=OUT_OF_STOCK_KEY,
                           reason=texts.RESERVED_ON_RETRY.encode())
