"""Operations try a fulfilment rule, as typed, on a chosen order before saving it."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from logistics.models import FulfilmentRule, RuleCondition
from orders.state_machine import Status
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db
ADD = reverse("admin:logistics_fulfilmentrule_add")


def rule_form(hub_no: str, **extra) -> dict:
    """The add form as operations fill it in: amount > 5000 and a far-west province, to review."""
    return {
        "name": "大额新疆订单人工审核", "priority": "10", "match": "all", "is_active": "on",
        "description": "",
        "conditions-TOTAL_FORMS": "2", "conditions-INITIAL_FORMS": "0",
        "conditions-MIN_NUM_FORMS": "0", "conditions-MAX_NUM_FORMS": "1000",
        "conditions-0-fact": "amount", "conditions-0-operator": "gt", "conditions-0-value": "5000",
        "conditions-1-fact": "province", "conditions-1-operator": "in",
        "conditions-1-value": "新疆, 西藏",
        "actions-TOTAL_FORMS": "1", "actions-INITIAL_FORMS": "0", "actions-MIN_NUM_FORMS": "0",
        "actions-MAX_NUM_FORMS": "1000",
        "actions-0-kind": "risk_review", "actions-0-warehouse": "", "actions-0-priority": "",
        "actions-0-value": "", "actions-0-position": "0",
        "try_hub_no": hub_no, "_try_on_order": "1", **extra,
    }


@pytest.fixture
def operations(client, make_user):
    client.force_login(make_user("operations"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    return client


def test_a_rule_is_tried_on_an_order_and_nothing_is_saved(operations):
    # given a 6,000 yuan order to Xinjiang and a 100 yuan one to Zhejiang
    big = OrderFactory(status=Status.PAID, paid_amount=Decimal("6000.00"),
                       receiver_province="新疆维吾尔自治区")
    small = OrderFactory(status=Status.PAID, paid_amount=Decimal("100.00"))

    rules, conditions = FulfilmentRule.objects.count(), RuleCondition.objects.count()

    # when operations try the unsaved rule on the big order
    response = operations.post(ADD, rule_form(big.hub_no))

    # then it matches, each condition passed, and it says what it would do; nothing is saved
    html = response.content.decode()
    assert response.status_code == 200
    assert f"规则匹配 {big.hub_no}" in html and html.count("oh-passed") == 2
    assert "它将： 转风控审核" in html.split('id="rule-trial"')[1]
    assert "errornote" not in html.split('id="rule-trial"')[0]
    assert (FulfilmentRule.objects.count(), RuleCondition.objects.count()) == (rules, conditions)

    # when they try it on the small order, then it does not match, both conditions failed
    html = operations.post(ADD, rule_form(small.hub_no)).content.decode()
    assert f"规则不匹配 {small.hub_no}" in html and html.count("oh-failed") == 2
    assert "100.00" in html.split('id="rule-trial"')[1]


def test_an_unknown_order_is_said_in_words_and_saving_still_works(operations):
    html = operations.post(ADD, rule_form("NOSUCH1")).content.decode()
    assert "没有中枢订单号为“NOSUCH1”的订单" in html
    assert not FulfilmentRule.objects.filter(name="大额新疆订单人工审核").exists()
    # saving (without the try button) saves the rule with its conditions
    form = rule_form("")
    del form["_try_on_order"]
    assert operations.post(ADD, form).status_code == 302
    assert FulfilmentRule.objects.get(name="大额新疆订单人工审核").conditions.count() == 2
