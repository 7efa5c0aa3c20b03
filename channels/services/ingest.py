"""From a delivery's raw orders to hub orders, in bulk: the ingestion pipeline.

For a batch of one channel: read every order with the channel's adapter (all problems are
collected, and any problem refuses the whole batch); find the existing orders with one locked
query; create the new ones in bulk (hub numbers, lines, history, customers, identities); update
the re-delivered ones that changed; apply the channel status forward only; flag what cleaning
found. A re-delivered order whose payload did not change costs nothing but the lookup, and an
older delivery (by the channel's own modification time) than the last one applied changes
nothing.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from orderhub.core.bulk import copy_rows, copy_supported
from orderhub.core.texts import field_of
from orders.channel_sync import (
    STOPPABLE,
    one_of,
    order_apply_channel_status,
    order_hold_for_channel,
    order_release_channel_hold,
    order_tags_add,
    order_tags_remove,
    orders_by_channel_no,
    orders_create_from_channel,
    orders_update_from_channel,
)
from orders.holds import CHANNEL_ADDRESS_KEY, CHANNEL_STOP_KEY
from orders.models import Channel, Order, OrderLine
from orders.services import Actor, LineInput, OrderInput, hub_numbers_reserve
from channels import texts
from channels.adapters import fields as f
from channels.adapters.base import Adapter, CanonicalOrder, PayloadError
from channels.models import ChannelOrderState, Delivery
from channels.selectors import identity_settings_get
from channels.services import cleaning
from channels.services.parts import WAITING, parts_assemble, parts_keep, waiting_note
from channels.services.identity import customers_resolve, duplicates_find, items_key

CREATED, UPDATED, DROPPED = "created", "updated", "dropped"
_MAX_LEN = {"channel_order_no": 64, "payment_serial_no": 64, "tracking_no": 64}
_CLIP = {"name": 100, "phone": 32, "province": 32, "city": 32, "district": 32, "address": 255}


@dataclass
class Answer:
    """What the API answers for one order of the delivery."""

    channel_order_no: str
    hub_no: str | None = None
    result: str = UPDATED
    changed: bool = False
    flags: list[str] = field(default_factory=list)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"channel_order_no": self.channel_order_no, "hub_no": self.hub_no,
                "result": self.result, "changed": self.changed, "flags": self.flags,
                "note": self.note}


def canonical_orders(*, adapter: Adapter, raws: Sequence[Any]) -> list[CanonicalOrder]:
    """Every raw order read by the adapter; any problem refuses the batch with all of them."""
    orders, errors = [], []
    for index, raw in enumerate(raws):
        try:
            order = adapter.to_canonical(raw)
            _fit(order)
        except f.FieldProblem as problem:
            errors.append({"index": index, "channel_order_no": adapter.order_no_of(raw),
                           "problems": problem.problems})
            continue
        except (AttributeError, TypeError):
            errors.append({"index": index, "channel_order_no": "",
                           "problems": [f"order {index}: expected a {adapter.platform} order "
                                        f"object"]})
            continue
        order.digest = _digest(raw)
        orders.append(order)
    if errors:
        shown = "; ".join(
            f"[{e['index']}{' ' + e['channel_order_no'] if e['channel_order_no'] else ''}] "
            + "; ".join(e["problems"]) for e in errors[:5]
        )
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise PayloadError(
            f"{len(errors)} of {len(raws)} orders could not be read, nothing was imported: "
            f"{shown}{more}",
            extra={"errors": errors},
        )
    return orders


def _fit(order: CanonicalOrder) -> None:
    """Refuse identifiers too long to store; clip free text to its column."""
    problems = [f"{name}: '{getattr(order, name)[:20]}...' is longer than {limit} characters"
                for name, limit in _MAX_LEN.items() if len(getattr(order, name)) > limit]
    for line in order.lines:
        for name in ("channel_sku", "outer_sku"):
            if len(getattr(line, name)) > 64:
                problems.append(f"line {name}: longer than 64 characters")
        line.title = line.title[:255]
    if problems:
        raise f.FieldProblem(*problems)
    # An address cut to fit its column is kept (the order must ship) but flagged for a look.
    clipped = [key for key, limit in _CLIP.items() if len(order.receiver.get(key) or "") > limit]
    if clipped:
        order.tags.append(("address_clipped", "cut to fit: " + ", ".join(clipped)))
    order.receiver = {key: order.receiver.get(key, "")[:limit] for key, limit in _CLIP.items()}
    order.channel_status = order.channel_status[:40]
    order.carrier = order.carrier[:32]


def _digest(raw: Any) -> str:
    """What the raw order looked like. ``repr`` keeps the platform's key order, which a
    platform keeps from one delivery to the next; it costs a tenth of a sorted JSON dump."""
    data = raw.rows if hasattr(raw, "rows") else raw
    return hashlib.sha256(repr(data).encode()).hexdigest()


def _latest_per_order(orders: list[CanonicalOrder]) -> dict[str, CanonicalOrder]:
    """One order per channel number: a batch may carry several versions of one order."""
    latest: dict[str, CanonicalOrder] = {}
    for order in orders:
        seen = latest.get(order.channel_order_no)
        if seen is None or _not_older(order.modified_at, seen.modified_at):
            latest[order.channel_order_no] = order
    return latest


def _not_older(new: dt.datetime | None, old: dt.datetime | None) -> bool:
    return new is None or old is None or new >= old


def _order_input(order: CanonicalOrder, mapped, customer_id: int | None) -> OrderInput:
    return OrderInput(
        channel_order_no=order.channel_order_no,
        lines=[LineInput(title=line.title, quantity=line.quantity, unit_price=line.unit_price,
                         amount=line.amount, sku=m.sku, channel_sku=line.outer_sku or
                         line.channel_sku, product_id=m.product_id)
               for line, m in zip(order.lines, mapped)],
        status=order.status, currency=order.currency, goods_amount=order.goods_amount,
        shipping_amount=order.shipping_amount, discount_amount=order.discount_amount,
        paid_amount=order.paid_amount, payment_serial_no=order.payment_serial_no,
        receiver=order.receiver, placed_at=order.placed_at, paid_at=order.paid_at,
        ship_by=order.ship_by, buyer_note=order.buyer_note, customer_id=customer_id,
        tracking_no=order.tracking_no, carrier=order.carrier,
        channel_status=order.channel_status,
    )


def _flags(order: CanonicalOrder, mapped) -> list[tuple[str, str]]:
    flags = list(order.tags)
    unmapped = [line.outer_sku or line.channel_sku or line.title
                for line, m in zip(order.lines, mapped) if m.product_id is None]
    if unmapped:
        flags.append(("unmapped_sku", texts.UNMAPPED_SKU.encode(skus=", ".join(unmapped))))
    problem = cleaning.contact_problem(order)
    if problem:
        flags.append(("invalid_contact", problem))
    negative = _negative_amounts(order)
    if negative:
        flags.append(("implausible_amount", texts.NEGATIVE_AMOUNTS.encode(amounts=negative)))
    return flags


def _negative_amounts(order: CanonicalOrder) -> list[str]:
    """Amounts a platform never sends below zero (a refund is its own record): kept as sent,
    flagged on the order for finance and operations to look at (stored texts naming them)."""
    negative = [texts.NEGATIVE_AMOUNT.encode(name=field_of(Order, name), value=value)
                for name in ("paid_amount", "goods_amount", "shipping_amount", "discount_amount")
                if (value := getattr(order, name)) is not None and value < 0]
    negative += [texts.NEGATIVE_LINE_AMOUNT.encode(line=index, name=field_of(OrderLine, name),
                                                   value=value)
                 for index, line in enumerate(order.lines, 1)
                 for name in ("unit_price", "amount")
                 if (value := getattr(line, name)) is not None and value < 0]
    return negative


def orders_ingest(
    *, channel: Channel, adapter: Adapter, raws: Sequence[Any], actor: Actor,
    delivery: Delivery | None = None, force: bool = False, dry_run: bool = False,
) -> list[dict[str, Any]]:
    """Put a batch of the channel's raw orders into the hub; the answer per raw order.

    Hub numbers for the orders that look new are taken first, in a transaction of their own
    (when no outer transaction is open), so that the channel's daily counter is not locked
    while the batch is written; then the batch is written in one transaction. ``dry_run``
    runs it all and rolls it back (no number is taken then).
    """
    assembled = None
    if adapter.in_parts:  # Amazon, Lazada: header and items from separate calls (parts.py)
        assembled = parts_assemble(channel=channel, adapter=adapter, parts=raws)
        raws = assembled.raws
    orders = canonical_orders(adapter=adapter, raws=raws)
    latest = _latest_per_order(orders)
    reserved = None
    if not dry_run and not transaction.get_connection().in_atomic_block:
        known = orders_by_channel_no(channel=channel, numbers=latest)
        reserved = hub_numbers_reserve(channel=channel, placed=[
            order.placed_at for number, order in latest.items() if number not in known])
    with transaction.atomic():
        answers = _ingest(channel=channel, orders=orders, latest=latest, actor=actor,
                          delivery=delivery, force=force, reserved=reserved)
        if assembled is not None:
            parts_keep(channel=channel, parts=assembled.keep, delivery=delivery)
            answers.extend(Answer(number, result=WAITING, note=waiting_note(kind, adapter))
                           .as_dict() for number, kind in assembled.waiting.items())
        if dry_run:
            transaction.set_rollback(True)
    return answers


def _ingest(*, channel, orders, latest, actor, delivery, force, reserved) -> list[dict[str, Any]]:
    label = (texts.DELIVERY.encode(channel=channel.name, id=delivery.pk) if delivery
             else texts.DELIVERY_NO_ID.encode(channel=channel.name))
    existing = orders_by_channel_no(channel=channel, numbers=latest, lock=True)
    answers: dict[str, Answer] = {}

    new = [order for number, order in latest.items() if number not in existing]
    rules = cleaning.rules_for_test_orders(channel)
    kept = []
    for order in new:
        why = cleaning.why_test_order(order, rules)
        if why:
            answers[order.channel_order_no] = Answer(order.channel_order_no, result=DROPPED,
                                                     note=texts.TEST_ORDER.encode(why=why))
        else:
            kept.append(order)
    raced = _create(channel=channel, orders=kept, actor=actor, label=label, delivery=delivery,
                    answers=answers, reserved=reserved)
    existing.update(raced)
    _update(channel=channel, pairs=[(existing[n], latest[n]) for n in latest if n in existing],
            actor=actor, label=label, delivery=delivery, force=force, answers=answers)
    return [answers[order.channel_order_no].as_dict() for order in orders]


def _create(*, channel, orders, actor, label, delivery, answers, reserved) -> dict[str, Order]:
    if not orders:
        return {}
    mapped = cleaning.lines_map(channel=channel, orders=orders)
    resolution = customers_resolve(orders=orders, actor=actor, reason=label)
    inputs = [_order_input(order, m, cid)
              for order, m, cid in zip(orders, mapped, resolution.customer_ids)]
    outcome = orders_create_from_channel(channel=channel, orders=inputs, actor=actor,
                                         reason=texts.NEW_ORDER.encode(source=label),
                                         reserved=reserved)
    states, tags, created = [], [], []
    for order, m in zip(orders, mapped):
        saved = outcome.created.get(order.channel_order_no)
        if saved is None:
            continue  # created by a concurrent delivery: updated below instead
        created.append((saved, order, m))
        states.append({"order_id": saved.pk, "digest": order.digest,
                       "source_modified_at": order.modified_at,
                       "last_delivery_id": delivery.pk if delivery else None})
        flags = _flags(order, m)
        tags.extend((saved.pk, tag, note) for tag, note in flags)
        answers[order.channel_order_no] = Answer(
            order.channel_order_no, hub_no=saved.hub_no, result=CREATED, changed=True,
            flags=sorted({tag for tag, _ in flags}),
        )
    if copy_supported():
        copy_rows(ChannelOrderState, states)
    else:
        ChannelOrderState.objects.bulk_create([ChannelOrderState(**row) for row in states],
                                              batch_size=1000)
    window = dt.timedelta(minutes=identity_settings_get().duplicate_window_minutes)
    duplicates = duplicates_find(
        new_orders=[(saved, items_key(_input_lines(order, m))) for saved, order, m in created],
        known_customer_ids=resolution.known_customer_ids, window=window,
    )
    for order_id, tag, _note in duplicates:
        saved = next(s for s, _o, _m in created if s.pk == order_id)
        answers[saved.channel_order_no].flags.append(tag)
    order_tags_add(tags=tags + duplicates)
    to_hold = {saved.pk: order.hold_reason for saved, order, _m in created
               if order.hold_reason and saved.status in STOPPABLE}
    for held in Order.objects.filter(pk__in=to_hold).order_by("pk"):
        order_hold_for_channel(order=held, key=CHANNEL_STOP_KEY,
                               reason=texts.CHANNEL_STOPS.encode(source=label, why=to_hold[held.pk]))
    return outcome.existing


def _input_lines(order: CanonicalOrder, mapped) -> list[LineInput]:
    return [LineInput(title=line.title, quantity=line.quantity, unit_price=line.unit_price,
                      sku=m.sku, channel_sku=line.outer_sku or line.channel_sku)
            for line, m in zip(order.lines, mapped)]


def _update(*, channel, pairs, actor, label, delivery, force, answers) -> None:
    if not pairs:
        return
    states = {s.order_id: s for s in
              ChannelOrderState.objects.filter(one_of(ChannelOrderState, "order",
                                                      [o.pk for o, _ in pairs]))}
    todo = []
    for saved, order in pairs:
        state = states.get(saved.pk)
        answer = Answer(order.channel_order_no, hub_no=saved.hub_no, result=UPDATED)
        answers[order.channel_order_no] = answer
        if state is not None and not force:
            if state.digest == order.digest:
                answer.note = texts.SAME_AS_LAST.encode()
                continue
            if not _not_older(order.modified_at, state.source_modified_at):
                answer.note = texts.OLDER_IGNORED.encode()
                continue
        todo.append((saved, order, state))
    if not todo:
        return
    mapped = cleaning.lines_map(channel=channel, orders=[order for _s, order, _st in todo])
    outcome = orders_update_from_channel(
        channel=channel,
        updates=[(saved, _order_input(order, m, None)) for (saved, order, _st), m
                 in zip(todo, mapped)],
        actor=actor, reason=texts.CHANNEL_DATA.encode(source=label),
    )
    moved_address = {o.pk for o in outcome.address_changed_in_warehouse}
    tags, mapped_ok, new_states, changed_states = [], [], [], []
    for (saved, order, state), m in zip(todo, mapped):
        answer = answers[order.channel_order_no]
        before = (saved.status, saved.on_hold)
        if saved.pk in moved_address:
            order_hold_for_channel(order=saved, key=CHANNEL_ADDRESS_KEY,
                                   reason=texts.RECEIVER_CHANGED.encode(source=label))
        status = order_apply_channel_status(
            order=saved, status=order.status, actor=None,
            reason=texts.CHANNEL_REPORTS.encode(source=label, status=order.channel_status),
            paid_at=order.paid_at,
            payment_serial_no=order.payment_serial_no, carrier=order.carrier,
            tracking_no=order.tracking_no,
        )
        if order.hold_reason and saved.status in STOPPABLE:
            order_hold_for_channel(order=saved, key=CHANNEL_STOP_KEY,
                                   reason=texts.CHANNEL_STOPS.encode(source=label,
                                                                     why=order.hold_reason))
        elif not order.hold_reason:
            order_release_channel_hold(order=saved, key=CHANNEL_STOP_KEY,
                                       reason=texts.NO_LONGER_STOPS.encode(source=label))
        answer.changed = saved.pk in outcome.changed_ids or (saved.status, saved.on_hold) != before
        answer.note = status.note if status.result not in ("unchanged", "moved") else ""
        flags = _flags(order, m)
        answer.flags = sorted({tag for tag, _ in flags})
        tags.extend((saved.pk, tag, note) for tag, note in flags)
        if "unmapped_sku" not in answer.flags:
            mapped_ok.append(saved.pk)
        if state is None:
            new_states.append(ChannelOrderState(order=saved, digest=order.digest,
                                                source_modified_at=order.modified_at,
                                                last_delivery=delivery))
        else:
            state.digest, state.last_delivery = order.digest, delivery
            state.source_modified_at = order.modified_at or state.source_modified_at
            changed_states.append(state)
    order_tags_add(tags=tags)
    order_tags_remove(order_ids=mapped_ok, tag="unmapped_sku")
    ChannelOrderState.objects.bulk_create(new_states, batch_size=1000)
    ChannelOrderState.objects.bulk_update(
        changed_states, ["digest", "source_modified_at", "last_delivery"], batch_size=1000
    )
