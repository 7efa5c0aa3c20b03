"""The default fulfilment rules read in Chinese: their descriptions (0009) and conditions."""
from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.utils import translation

from logistics.models import FulfilmentRule, RuleCondition

pytestmark = pytest.mark.django_db
descriptions = importlib.import_module("logistics.migrations.0009_rule_descriptions_in_chinese")
RISK = "Risk: over 5,000 to Xinjiang, Tibet, Hong Kong, Macau or Taiwan"


def test_the_default_rules_descriptions_are_chinese_and_an_edited_one_is_kept():
    assert FulfilmentRule.objects.get(name=RISK).description.startswith("发往这些地区的高额订单")
    FulfilmentRule.objects.filter(name=RISK).update(description="超过五千的偏远地区订单先审核")
    descriptions.rewrite(apps, None, forward=False)
    assert FulfilmentRule.objects.get(name=RISK).description == "超过五千的偏远地区订单先审核"
    gz = FulfilmentRule.objects.get(description__startswith="Cross-border parcels")
    descriptions.rewrite(apps, None, forward=True)
    gz.refresh_from_db()
    assert gz.description == "港澳台包裹经广州仓清关。"


def test_a_condition_reads_its_field_and_operator_by_their_labels():
    condition = RuleCondition(fact="amount", operator="gt", value="5000")
    with translation.override("zh-hans"):
        assert str(condition) == "实付金额 大于 5000"
