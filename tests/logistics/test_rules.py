"""The rules engine: the shipped defaults, all/any, priority order, recorded matches."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from logistics.models import FulfilmentDecision, FulfilmentRule, RuleAction, RuleMatch
from logistics.rules import OrderFacts, condition_problem, normalise_place
from logistics.services.fulfilment import fulfilment_process
from orders.models import Customer, GiftOrder, Order, OrderTag
from orders.state_machine import Status
from tests.factories import CustomerFactory, ProductFactory
from tests.factories import open_reasons
from orderhub.core.texts import is_encoded, render

pytestmark = pytest.mark.django_db


def rule(name: str, *conditions, match: str = "all", priority: int = 100, actions=(),
         stop: bool = False) -> FulfilmentRule:
    made = FulfilmentRule.objects.create(name=name, priority=priority, match=match,
                                         stop_processing=stop)
    for fact, operator, value in conditions:
        made.conditions.create(fact=fact, operator=operator, value=value)
    for position, action in enumerate(actions):
        made.actions.create(position=position, **action)
    return made


def matched(order: Order) -> list[str]:
    return list(RuleMatch.objects.filter(decision__order=order)
                .order_by("rule_priority", "id").values_list("rule_name", flat=True))


# --- the shipped defaults ---------------------------------------------------------------------
@pytest.mark.parametrize(("province", "amount", "reviewed"), [
    ("新疆维吾尔自治区", "5000.01", True),
    ("西藏自治区", "8000.00", True),
    ("香港特别行政区", "9999.00", True),
    ("Macau", "6000.00", True),
    ("台湾省", "5200.00", True),
    ("新疆维吾尔自治区", "5000.00", False),  # not over 5,000
    ("浙江省", "9000.00", False),
])
def test_default_risk_rule_for_high_amounts_to_remote_regions(paid_order, province, amount,
                                                              reviewed):
    order = paid_order(receiver_province=province, paid_amount=Decimal(amount))
    fulfilment_process(order_id=order.pk)
    order.refresh_from_db()
    assert (order.status == Status.RISK_REVIEW) is reviewed
    name = "Risk: over 5,000 to Xinjiang, Tibet, Hong Kong, Macau or Taiwan"
    assert (name in matched(order)) is reviewed
    if reviewed:
        row = order.history.get(status=Status.RISK_REVIEW)
        assert render(row.history_change_reason).startswith(f"rule '{name}'")


def test_default_rule_for_many_near_identical_orders_from_one_buyer(paid_order):
    # given a buyer who paid twice for the same SKUs minutes ago, and once for something else
    buyer = CustomerFactory()
    now = timezone.now()
    for minutes in (20, 10):
        fulfilment_process(order_id=paid_order({"SKU-X": 1}, customer=buyer,
                                               paid_at=now - dt.timedelta(minutes=minutes)).pk)
    fulfilment_process(order_id=paid_order({"SKU-Y": 1}, customer=buyer).pk)
    # when the third identical order is paid
    third = paid_order({"SKU-X": 2}, customer=buyer, paid_at=now)
    fulfilment_process(order_id=third.pk)
    # then it goes to review, tagged, and the match says what was counted
    third.refresh_from_db()
    assert third.status == Status.RISK_REVIEW
    assert OrderTag.objects.filter(order=third, tag="near_identical_orders").exists()
    match = RuleMatch.objects.get(decision__order=third,
                                  rule_name="Risk: many near-identical orders from one buyer")
    assert " 3 " in render(match.seen)
    # and an identical order outside the 30-minute window is not counted
    late = paid_order({"SKU-X": 1}, customer=buyer, paid_at=now + dt.timedelta(hours=2))
    assert OrderFacts(late).near_identical_orders == 1


@pytest.mark.parametrize(("level", "amount", "priority"), [
    (Customer.Level.VIP, "5001.00", Order.Priority.URGENT),
    (Customer.Level.SVIP, "12000.00", Order.Priority.URGENT),
    (Customer.Level.VIP, "4999.00", Order.Priority.NORMAL),
    (Customer.Level.NORMAL, "9000.00", Order.Priority.NORMAL),
])
def test_default_priority_rule_for_vips_over_5000(paid_order, level, amount, priority):
    order = paid_order(customer=CustomerFactory(level=level), paid_amount=Decimal(amount))
    fulfilment_process(order_id=order.pk)
    order.refresh_from_db()
    assert order.priority == priority
    assert order.status == Status.PAID  # priority does not hold the order


def test_default_routing_rules_by_category_and_destination(paid_order):
    # given a sofa bound for Guangdong and a shirt bound for Hong Kong (small amount)
    ProductFactory(sku="SOFA-1", category="furniture")
    sofa = paid_order({"SOFA-1": 1}, receiver_province="广东省")
    shirt = paid_order({"SHIRT-1": 1}, receiver_province="香港")
    plain = paid_order({"SHIRT-1": 1}, receiver_province="广东省")
    # when processed (no stock is managed for these SKUs: routing only)
    for order in (sofa, shirt, plain):
        fulfilment_process(order_id=order.pk)
    # then bulky goods go to Shanghai, Hong Kong to Guangzhou, Guangdong to its own warehouse
    codes = {o.pk: FulfilmentDecision.objects.get(order=o).warehouse.code
             for o in (sofa, shirt, plain)}
    assert codes == {sofa.pk: "SH", shirt.pk: "GZ", plain.pk: "GZ"}
    decision = FulfilmentDecision.objects.get(order=sofa)
    assert "not stock-managed (nothing reserved): SOFA-1" in render(decision.summary)


# --- all / any, priority order, stop, recorded matches ----------------------------------------
def test_all_needs_every_condition_and_any_needs_one(paid_order, no_default_rules):
    rule("all", ("amount", "gt", "100"), ("channel", "eq", "nochannel"), priority=1,
         actions=[{"kind": "add_tag", "value": "all_matched"}])
    rule("any", ("amount", "gt", "100"), ("channel", "eq", "nochannel"), match="any",
         priority=2, actions=[{"kind": "add_tag", "value": "any_matched"}])
    order = paid_order(paid_amount=Decimal("150.00"))
    fulfilment_process(order_id=order.pk)
    assert matched(order) == ["any"]
    assert set(order.tags.values_list("tag", flat=True)) == {"any_matched"}


def test_rules_run_in_priority_order_and_stop_when_told(paid_order, no_default_rules):
    rule("third", ("item_count", "gte", "1"), priority=30)
    rule("first", ("item_count", "gte", "1"), priority=10)
    rule("second", ("item_count", "gte", "1"), priority=20, stop=True)
    order = paid_order()
    fulfilment_process(order_id=order.pk)
    assert matched(order) == ["first", "second"]


def test_the_highest_priority_set_by_any_rule_wins(paid_order, no_default_rules):
    rule("high", ("amount", "gt", "0"), priority=1,
         actions=[{"kind": "set_priority", "priority": Order.Priority.HIGH}])
    rule("urgent", ("amount", "gt", "0"), priority=2,
         actions=[{"kind": "set_priority", "priority": Order.Priority.URGENT}])
    order = paid_order()
    fulfilment_process(order_id=order.pk)
    order.refresh_from_db()
    assert order.priority == Order.Priority.URGENT
    assert order.history.filter(priority=Order.Priority.URGENT).count() == 1


def test_matches_record_what_was_seen_and_done(paid_order, no_default_rules):
    rule("Hangzhou nights", ("city", "eq", "杭州"), ("hour", "in", "0, 1, 2, 23"),
         priority=5, actions=[{"kind": "hold", "value": "night order: call the buyer"},
                              {"kind": "add_tag", "value": "night"}])
    night = timezone.make_aware(dt.datetime(2026, 1, 28, 23, 30))
    order = paid_order(receiver_city="杭州市", paid_at=night)
    decision = fulfilment_process(order_id=order.pk)
    match = decision.matches.get()
    assert match.rule_name == "Hangzhou nights"
    assert "杭州" in render(match.seen) and "23" in render(match.seen)
    assert render(match.done) == "tag night、held: night order: call the buyer"
    assert "Rules matched: Hangzhou nights" in render(decision.summary)
    order.refresh_from_db()
    assert (order.on_hold, open_reasons(order)) == (True, ["night order: call the buyer"])
    assert order.holds.get().source == "rule"


def test_an_action_that_is_refused_is_recorded_not_fatal(paid_order, no_default_rules):
    # a review rule on an order already picking (the warehouse had it): skipped, and said so
    rule("review all", ("amount", "gte", "0"), actions=[{"kind": "risk_review"}])
    order = paid_order(status=Status.PICKING)
    decision = fulfilment_process(order_id=order.pk)
    assert render(decision.matches.get().done) == \
        "risk review skipped: the order is already Picking"


def test_promotion_rule_creates_the_gift_sub_order(paid_order, no_default_rules):
    ProductFactory(sku="GIFT-MUG", name="马克杯", barcode="6901234567892")
    rule("Mug over 300 or with SKU-P", ("amount", "gt", "300"), ("skus", "in", "SKU-P"),
         match="any", actions=[{"kind": "add_gift", "value": "GIFT-MUG"}])
    big = paid_order(paid_amount=Decimal("301.00"))
    with_p = paid_order({"SKU-P": 1}, paid_amount=Decimal("10.00"))
    small = paid_order(paid_amount=Decimal("10.00"))
    for order in (big, with_p, small):
        fulfilment_process(order_id=order.pk)
    gifts = GiftOrder.objects.order_by("pk")
    assert [(g.hub_no, g.sku, g.title, g.status) for g in gifts] == [
        (f"{big.hub_no}GIFT", "GIFT-MUG", "马克杯", "pending"),
        (f"{with_p.hub_no}GIFT", "GIFT-MUG", "马克杯", "pending"),
    ]
    assert gifts[0].promotion == "Mug over 300 or with SKU-P"


def test_tags_and_categories_and_customer_level_facts(paid_order, no_default_rules):
    ProductFactory(sku="TV-65", category="large_appliance")
    order = paid_order({"TV-65": 1, "SKU-A": 2}, customer=CustomerFactory(level="svip"))
    OrderTag.objects.create(order=order, tag="duplicate_suspected")
    facts = OrderFacts(order)
    assert facts.categories == {"large_appliance"}
    assert (facts.tags, facts.customer_level, facts.item_count) == (
        {"duplicate_suspected"}, "svip", 3)
    rule("tagged", ("tags", "in", "duplicate_suspected"), actions=[{"kind": "risk_review"}])
    fulfilment_process(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == Status.RISK_REVIEW


@pytest.mark.parametrize(("fact", "operator", "value", "problem"), [
    ("amount", "gt", "5000", None),
    ("amount", "contains", "5", "does not apply"),
    ("amount", "gt", "five", "'five' is not a number"),
    ("province", "in", "新疆, 西藏", None),
    ("skus", "gt", "3", "does not apply"),
    ("nonsense", "eq", "1", "unknown order field"),
    ("city", "eq", " ", "the value is empty"),
])
def test_conditions_that_cannot_work_are_explained(fact, operator, value, problem):
    found = condition_problem(fact=fact, operator=operator, value=value)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize(("raw", "normal"), [
    ("新疆维吾尔自治区", "新疆"), ("广西壮族自治区", "广西"), ("香港特别行政区", "香港"),
    ("浙江省", "浙江"), ("上海市", "上海"), ("Hong Kong", "香港"), ("内蒙古自治区", "内蒙古"),
])
def test_place_names_are_normalised(raw, normal):
    assert normalise_place(raw) == normal


def test_default_rules_are_editable_rows(db):
    # the defaults are data: five rules with their conditions and actions
    names = list(FulfilmentRule.objects.order_by("priority").values_list("name", flat=True))
    assert len(names) == 5 and names[0].startswith("Risk: over 5,000")
    bulky = FulfilmentRule.objects.get(name__startswith="Routing: bulky")
    assert [a.warehouse.code for a in bulky.actions.filter(
        kind=RuleAction.Kind.ASSIGN_WAREHOUSE)] == ["SH", "BJ"]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf"])
def test_a_rule_cannot_compare_with_a_number_that_is_not_finite(value):
    # NaN parses as a Decimal but raises when compared, which would stop every sweep
    assert condition_problem(fact="amount", operator="gt", value=value)


def test_what_a_rule_saw_is_a_code_read_in_the_readers_language(paid_order, no_default_rules):
    # given a rule on the paid amount, and an order it matches
    rule("Big orders", ("amount", "gte", "5000"), priority=5,
         actions=[{"kind": "add_tag", "value": "big"}])
    order = paid_order(paid_amount=Decimal("6000.00"))
    # when the order is decided
    match = fulfilment_process(order_id=order.pk).matches.get()
    # then the match stores what was seen as a code, the fact and operator as their labels
    assert is_encoded(match.seen)
    with translation.override("en"):
        assert render(match.seen) == "paid amount 6000.00 at least 5000"
    with translation.override("zh-hans"):
        shown = render(match.seen)
    assert shown == "实付金额 6000.00 大于等于 5000"
    assert "gte" not in shown and "amount" not in shown
