"""Customer identity: one customer per person across channels, and suspected duplicate orders.

An order brings identities: its real phone numbers (never a masked one), the platform buyer id
(``buyer_open_uid``, WeChat OpenID/UnionID, ``doudian_open_id``, ...) and a device
fingerprint. Each kind has a weight (:class:`IdentityMatchSettings`); an order belongs to a
customer when the weights of the identities they share reach the threshold. When one order
reaches two customers, they are the same person and are merged; the merge is recorded
(:class:`IdentityMerge`) and can be undone, after which the two are never merged again
automatically.

A batch is resolved with a handful of queries whatever its size: one for the known
identities, one bulk insert for new customers (with history) and one for new identities.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from orderhub.core.errors import Conflict, PermissionRefused
from orders.customer_services import (
    CustomerInput,
    customer_merge,
    customer_unmerge,
    customers_create,
)
from orderhub.core.bulk import copy_rows_skipping_conflicts, copy_supported
from orders.channel_sync import one_of
from orders.models import Customer, Order, OrderLine
from orders.services import Actor

from channels import texts
from channels.adapters import fields as f
from channels.adapters.base import CanonicalOrder
from channels.models import CustomerIdentity, IdentityMatchSettings, IdentityMerge
from channels.selectors import identities_find, identity_settings_get

UNDO_PERMISSION = "channels.undo_identitymerge"
Claim = tuple[str, str]
PersonKey = tuple[str, int]  # ("c", customer id) for known customers, ("n", index) for new ones


def identity_claims(order: CanonicalOrder) -> list[Claim]:
    """What identifies the buyer of ``order``; masked or encrypted phones are not evidence."""
    claims: list[Claim] = list(order.buyer_ids)
    for phone in (order.member_phone, order.receiver.get("phone", "")):
        if phone and not f.phone_is_masked(phone):
            number = f.mainland_mobile(phone) or f.international_phone(phone)
            if number:
                claims.append((CustomerIdentity.Kind.PHONE, number))
    if order.device_id:
        claims.append((CustomerIdentity.Kind.DEVICE, order.device_id[:128]))
    return list(dict.fromkeys((kind, value[:128]) for kind, value in claims))


def _weight(settings_row: IdentityMatchSettings, kind: str) -> Decimal:
    if kind == CustomerIdentity.Kind.PHONE:
        return settings_row.phone_weight
    if kind == CustomerIdentity.Kind.DEVICE:
        return settings_row.device_weight
    return settings_row.buyer_id_weight


class _People:
    """Union-find over known customers and the new people of a batch."""

    def __init__(self) -> None:
        self.parent: dict[PersonKey, PersonKey] = {}
        self.merges: list[tuple[int, int]] = []  # (survivor id, absorbed id), known customers
        self.blocked: set[frozenset[int]] = set()

    def find(self, key: PersonKey) -> PersonKey:
        root = key
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        self.parent[key] = root
        return root

    def union(self, a: PersonKey, b: PersonKey) -> PersonKey:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        # The oldest known customer survives; new people join known ones.
        survivor, absorbed = (ra, rb) if ra < rb else (rb, ra)
        if survivor[0] == "c" and absorbed[0] == "c":
            if frozenset((survivor[1], absorbed[1])) in self.blocked:
                return ra  # a person undid this merge before: keep them apart
            self.merges.append((survivor[1], absorbed[1]))
        self.parent[absorbed] = survivor
        return survivor


@dataclass
class Resolution:
    customer_ids: list[int | None]
    known_customer_ids: set[int]  # customers that existed before this batch


@transaction.atomic
def customers_resolve(
    *, orders: Sequence[CanonicalOrder], actor: Actor, reason: str
) -> Resolution:
    """The customer of every order: matched, merged, or created (see the module doc)."""
    settings_row = identity_settings_get()
    threshold = settings_row.threshold
    claims = [identity_claims(order) for order in orders]
    known = identities_find(values=[claim for order_claims in claims for claim in order_claims])
    people = _People()
    people.blocked = _undone_pairs(set(known.values()))
    owner: dict[Claim, PersonKey] = {claim: ("c", cid) for claim, cid in known.items()}
    person_of: list[PersonKey | None] = []
    for index, order_claims in enumerate(claims):
        if not order_claims:
            person_of.append(None)
            continue
        scores: dict[PersonKey, Decimal] = defaultdict(Decimal)
        for claim in order_claims:
            if claim in owner:
                scores[people.find(owner[claim])] += _weight(settings_row, claim[0])
        matched = sorted((key for key, score in scores.items() if score >= threshold),
                         key=lambda key: (-scores[key], key))
        person: PersonKey = matched[0] if matched else ("n", index)
        for other in matched[1:]:
            person = people.union(person, other)
        for claim in order_claims:
            owner.setdefault(claim, person)  # an identity stays with whoever had it first
        person_of.append(person)

    roots = {people.find(p) for p in person_of if p is not None}
    new_roots = sorted(root for root in roots if root[0] == "n")
    created = customers_create(
        customers=[_customer_input(orders[root[1]]) for root in new_roots], actor=actor,
        reason=reason,
    )
    customer_of: dict[PersonKey, int] = dict(zip(new_roots, created))
    customer_of.update((root, root[1]) for root in roots if root[0] == "c")
    # The same identity may arrive twice at the same moment: the first one stays. Written in
    # the order of the unique index (value, kind): two batches with buyers in common (a peak
    # day's pages pushed at once) then wait for each other on the first identity they share;
    # in the order the orders came, each held one the other needed ("deadlock detected" while
    # inserting into uniq_identity, bench/serve.py).
    new_identities = sorted(
        ({"customer_id": customer_of[people.find(person)], "kind": kind, "value": value}
         for (kind, value), person in owner.items() if (kind, value) not in known),
        key=lambda row: (row["value"], row["kind"]),
    )
    if copy_supported():
        copy_rows_skipping_conflicts(CustomerIdentity, new_identities)
    else:
        CustomerIdentity.objects.bulk_create(
            [CustomerIdentity(**row) for row in new_identities], ignore_conflicts=True,
            batch_size=1000,
        )
    for survivor_id, absorbed_id in people.merges:
        identity_merge(
            survivor=Customer(pk=survivor_id), absorbed=Customer(pk=absorbed_id), actor=None,
            reason=texts.SAME_PERSON.encode(source=reason),
        )
    return Resolution(
        customer_ids=[customer_of[people.find(p)] if p is not None else None for p in person_of],
        known_customer_ids={root[1] for root in roots if root[0] == "c"},
    )


def _customer_input(order: CanonicalOrder) -> CustomerInput:
    phone = ""
    for candidate in (order.member_phone, order.receiver.get("phone", "")):
        if candidate and not f.phone_is_masked(candidate):
            phone = f.mainland_mobile(candidate) or f.international_phone(candidate) or ""
            if phone:
                break
    return CustomerInput(name=order.receiver.get("name", ""), phone=phone)


def _undone_pairs(customer_ids: set[int]) -> set[frozenset[int]]:
    if not customer_ids:
        return set()
    ids = sorted(customer_ids)
    rows = IdentityMerge.objects.filter(
        one_of(IdentityMerge, "survivor", ids) | one_of(IdentityMerge, "absorbed", ids),
        undone_at__isnull=False,
    ).values_list("survivor_id", "absorbed_id")
    return {frozenset(pair) for pair in rows}


# --- merges -------------------------------------------------------------------------------------
@transaction.atomic
def identity_merge(
    *, survivor: Customer, absorbed: Customer, actor: Actor, reason: str
) -> IdentityMerge:
    """Merge ``absorbed`` into ``survivor``: orders and identities move, the record allows undo."""
    order_ids = customer_merge(survivor=survivor, absorbed=absorbed, actor=actor, reason=reason)
    identity_ids = list(CustomerIdentity.objects.select_for_update()
                        .filter(customer_id=absorbed.pk).values_list("pk", flat=True))
    CustomerIdentity.objects.filter(pk__in=identity_ids).update(customer_id=survivor.pk)
    return IdentityMerge.objects.create(
        survivor_id=survivor.pk, absorbed_id=absorbed.pk, reason=reason[:255],
        moved_order_ids=order_ids, moved_identity_ids=identity_ids,
        merged_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


@transaction.atomic
def identity_merge_undo(*, merge: IdentityMerge, actor: Actor, reason: str) -> IdentityMerge:
    """Undo a merge: the moved orders and identities go back to the merged customer."""
    if actor is not None and not actor.has_perm(UNDO_PERMISSION):
        raise PermissionRefused(
            f"Your role may not undo identity merges (needs permission '{UNDO_PERMISSION}')."
        )
    locked = IdentityMerge.objects.select_for_update().get(pk=merge.pk)
    if locked.undone_at is not None:
        raise Conflict(f"Identity merge #{locked.pk} was already undone.")
    customer_unmerge(
        survivor=locked.survivor, absorbed=locked.absorbed, order_ids=locked.moved_order_ids,
        actor=actor, reason=reason,
    )
    CustomerIdentity.objects.filter(
        pk__in=locked.moved_identity_ids, customer_id=locked.survivor_id
    ).update(customer_id=locked.absorbed_id)
    locked.undone_at = timezone.now()
    locked.undone_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.save(update_fields=["undone_at", "undone_by"])
    merge.undone_at, merge.undone_by = locked.undone_at, locked.undone_by
    return locked


# --- suspected duplicates -------------------------------------------------------------------------
@dataclass
class _Earlier:
    pk: int
    hub_no: str
    customer_id: int
    placed_at: dt.datetime
    channel_id: int
    channel_order_no: str


@dataclass
class _EarlierLine:
    sku: str
    channel_sku: str
    title: str
    quantity: int


def items_key(lines: Sequence) -> tuple:
    """What was bought, independent of line order: (master SKU or channel SKU or title, qty)."""
    return tuple(sorted((line.sku or line.channel_sku or line.title, line.quantity)
                        for line in lines))


def duplicates_find(
    *, new_orders: Sequence[tuple[Order, tuple]], known_customer_ids: set[int],
    window: dt.timedelta,
) -> list[tuple[int, str, str]]:
    """(order id, "duplicate_suspected", note) for new orders that repeat another order of the
    same customer with the same items within ``window`` (two queries for the whole batch)."""
    candidates = [(order, key) for order, key in new_orders
                  if order.customer_id and order.placed_at]
    if not candidates:
        return []
    earlier: dict[tuple[int, tuple], list] = defaultdict(list)
    customers = {order.customer_id for order, _ in candidates} & known_customer_ids
    if customers:
        times = [order.placed_at for order, _ in candidates]
        new_ids = {order.pk for order, _ in candidates}
        # Plain values, not model instances: at peak volume most customers are known ones.
        previous = [_Earlier(*row) for row in Order.objects.filter(
            one_of(Order, "customer", sorted(customers)), placed_at__gte=min(times) - window,
            placed_at__lte=max(times) + window,
        ).values_list("pk", "hub_no", "customer_id", "placed_at", "channel_id",
                      "channel_order_no") if row[0] not in new_ids]
        lines: dict[int, list[_EarlierLine]] = defaultdict(list)
        if previous:
            for order_id, *line in OrderLine.objects.filter(one_of(
                    OrderLine, "order", [o.pk for o in previous])).values_list(
                    "order_id", "sku", "channel_sku", "title", "quantity"):
                lines[order_id].append(_EarlierLine(*line))
        for order in previous:
            earlier[(order.customer_id, items_key(lines[order.pk]))].append(order)
    flags = []
    for order, key in sorted(candidates, key=lambda pair: (pair[0].placed_at, pair[0].pk)):
        slot = (order.customer_id, key)
        twin = next((other for other in earlier[slot]
                     if abs(other.placed_at - order.placed_at) <= window
                     and (other.channel_id, other.channel_order_no)
                     != (order.channel_id, order.channel_order_no)), None)
        if twin is not None:
            minutes = int(abs(order.placed_at - twin.placed_at).total_seconds() // 60)
            flags.append((order.pk, "duplicate_suspected",
                          texts.DUPLICATE_SUSPECTED.encode(hub_no=twin.hub_no, minutes=minutes)))
        earlier[slot].append(order)
    return flags
