"""Cleaning a batch of canonical orders before they become hub orders.

- Test orders (the platform's own flag, or a configured :class:`TestOrderRule`) are dropped.
- Lines are mapped to master SKUs through product aliases: the seller's code first, then the
  platform SKU id, then the title; an unknown SKU is kept on the line and the order flagged
  ``unmapped_sku``, never dropped.
- Contacts: a receiver phone that is neither masked nor a mainland mobile (11 digits starting
  with 1) on a domestic order is flagged ``invalid_contact``. Masked phones (``138****5621``)
  are stored as given and never validated or used for identity.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from orders.models import Channel

from channels import texts
from channels.adapters import fields as f
from channels.adapters.base import CanonicalOrder
from channels.models import TestOrderRule
from channels.selectors import alias_key, sku_index, active_test_order_rules


@dataclass
class MappedLine:
    product_id: int | None
    sku: str


def why_test_order(order: CanonicalOrder, rules: Sequence[TestOrderRule]) -> str:
    """Why ``order`` is a test order (a stored text), or ``""``."""
    if order.is_test:
        return texts.TEST_MARKED.encode()
    for rule in rules:
        values = _rule_values(order, rule.field)
        if any(_matches(rule, value) for value in values):
            return texts.TEST_RULE.encode(rule=rule.name)
    return ""


def _rule_values(order: CanonicalOrder, name: str) -> list[str]:
    field_values = {
        TestOrderRule.Field.RECEIVER_NAME: [order.receiver.get("name", "")],
        TestOrderRule.Field.RECEIVER_PHONE: [order.receiver.get("phone", "")],
        TestOrderRule.Field.RECEIVER_ADDRESS: [order.receiver.get("address", "")],
        TestOrderRule.Field.BUYER_NOTE: [order.buyer_note],
        TestOrderRule.Field.CHANNEL_ORDER_NO: [order.channel_order_no],
    }
    if name == TestOrderRule.Field.LINE_TITLE:
        return [line.title for line in order.lines]
    return field_values.get(name, [])


def _matches(rule: TestOrderRule, value: str) -> bool:
    if not value:
        return False
    if rule.match == TestOrderRule.Match.EQUALS:
        return value == rule.value
    if rule.match == TestOrderRule.Match.STARTS_WITH:
        return value.startswith(rule.value)
    if rule.match == TestOrderRule.Match.REGEX:
        try:
            return re.search(rule.value, value) is not None
        except re.error:
            return False  # a broken pattern matches nothing rather than dropping real orders
    return rule.value in value


def rules_for_test_orders(channel: Channel) -> list[TestOrderRule]:
    return active_test_order_rules(channel=channel)


def lines_map(*, channel: Channel, orders: Sequence[CanonicalOrder]) -> list[list[MappedLine]]:
    """Master SKU of every line of every order (two queries for the whole batch)."""
    keys = {key for order in orders for line in order.lines
            for key in (line.outer_sku, line.channel_sku, line.title)}
    index = sku_index(channel=channel, keys=keys)
    mapped = []
    for order in orders:
        order_lines = []
        for line in order.lines:
            hit = None
            for key in (line.outer_sku, line.channel_sku, line.title):
                hit = index.get(alias_key(key)) if key else None
                if hit:
                    break
            order_lines.append(MappedLine(product_id=hit[0], sku=hit[1]) if hit
                               else MappedLine(product_id=None, sku=""))
        mapped.append(order_lines)
    return mapped


def contact_problem(order: CanonicalOrder) -> str:
    """Why the receiver's contact is invalid (a stored text), or ``""`` (masked phones are never
    judged)."""
    phone = order.receiver.get("phone", "")
    if f.phone_is_masked(phone):
        return ""
    domestic = order.receiver_country in ("", "CN")
    if not phone:
        # Counter sales (POS) without shipping need no receiver at all.
        return (texts.NO_RECEIVER_PHONE.encode() if domestic and order.receiver.get("address")
                else "")
    if domestic and f.mainland_mobile(phone) is None:
        return texts.NOT_MAINLAND_MOBILE.encode(phone=phone)
    if not domestic and f.international_phone(phone) is None and f.mainland_mobile(phone) is None:
        return texts.NOT_DIALABLE.encode(phone=phone)
    return ""
