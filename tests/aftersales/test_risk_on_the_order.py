"""The return-risk score on the order itself: fulfilment rules test it (``return_risk``), and the
order's JSON carries it (``return_risk``: score and reasons in words)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from aftersales.models import Case, ReturnRisk
from aftersales.risk import return_risks_compute
from logistics.models import FulfilmentRule, RuleMatch
from logistics.rules import OrderFacts, condition_problem
from logistics.services.fulfilment import fulfilment_process
from orderhub.core.texts import render
from orders.models import Channel, OrderTag
from orders.state_machine import Status
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory, open_reasons

pytestmark = pytest.mark.django_db


def paid(customer, *, hours_ago: float = 0, sku: str = "TS-WHITE-L"):
    at = timezone.now() - dt.timedelta(hours=hours_ago)
    order = OrderFactory(status=Status.PAID, customer=customer, paid_at=at, placed_at=at,
                         paid_amount=Decimal("99.00"))
    OrderLineFactory(order=order, sku=sku, quantity=1, unit_price=Decimal("99.00"),
                     amount=Decimal("99.00"))
    return order


@pytest.fixture
def returner(db):
    """A customer whose four earlier orders all came back in a case."""
    customer = CustomerFactory()
    jd = Channel.objects.get(code="jd")
    for n in range(4):
        order = paid(customer, hours_ago=48 + n)
        Case.objects.create(channel=jd, channel_order_no=order.channel_order_no,
                            order=order, kind="return", buyer_words="不想要了")
    return customer


def risk_rule():
    rule = FulfilmentRule.objects.create(name="High return risk: call first", priority=3)
    rule.conditions.create(fact="return_risk", operator="gte", value="60")
    rule.actions.create(position=0, kind="add_tag", value="high_return_risk")
    rule.actions.create(position=1, kind="hold", value="高退货风险：发货前电话确认")
    return rule


def test_a_high_risk_order_is_matched_by_a_rule(returner):
    # given a rule "return-risk score at least 60: tag it and hold it for a call"
    risk_rule()
    # when a customer who sent back all four earlier orders pays again
    order = paid(returner)
    fulfilment_process(order_id=order.pk)
    # then the rule matched, saw the score with its reasons, tagged and held the order
    order.refresh_from_db()
    assert OrderTag.objects.filter(order=order, tag="high_return_risk").exists()
    assert order.on_hold
    assert open_reasons(order) == ["高退货风险：发货前电话确认"]
    seen = render(RuleMatch.objects.get(decision__order=order,
                                        rule_name="High return risk: call first").seen)
    score = ReturnRisk.objects.get(order=order).score
    assert score >= 60
    assert f" {score} " in seen and "该客户 4 单中有 4 次售后" in seen


def test_a_low_risk_order_is_not_matched(db):
    risk_rule()
    order = paid(CustomerFactory())
    fulfilment_process(order_id=order.pk)
    order.refresh_from_db()
    assert not order.on_hold
    assert not OrderTag.objects.filter(order=order, tag="high_return_risk").exists()
    assert OrderFacts(order).return_risk == ReturnRisk.objects.get(order=order).score < 60


def test_an_unpaid_order_has_no_score_and_no_risk_condition_holds(db):
    order = OrderFactory(status=Status.PENDING_PAYMENT, paid_at=None)
    assert OrderFacts(order).return_risk is None


def test_the_condition_is_a_number():
    assert condition_problem(fact="return_risk", operator="gte", value="60") is None
    assert "not a number" in condition_problem(fact="return_risk", operator="gte", value="高")
    assert condition_problem(fact="return_risk", operator="contains", value="6")


def test_the_orders_json_carries_the_score_and_its_reasons(returner, token_client):
    order = paid(returner)
    return_risks_compute(order_ids=[order.pk])  # what the handler of a paid order does
    risk = ReturnRisk.objects.get(order=order)
    api = token_client
    body = api("customer_service").get(f"/api/orders/{order.hub_no}/").json()
    assert body["return_risk"]["score"] == risk.score
    assert body["return_risk"]["reasons"][0].startswith("该客户 4 单中有 4 次售后")
    # a role that may not see return risks gets null; an order not scored yet too
    blind = api("customer_service")
    blind.user.groups.clear()
    blind.user.user_permissions.add(Permission.objects.get(codename="view_order"))
    assert blind.get(f"/api/orders/{order.hub_no}/").json()["return_risk"] is None
    unpaid = OrderFactory(status=Status.PENDING_PAYMENT, paid_at=None)
    assert api("customer_service").get(f"/api/orders/{unpaid.hub_no}/").json()[
        "return_risk"] is None
