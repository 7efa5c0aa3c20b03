"""Reasons from the buyer's words: accuracy on the labelled set, negation, several reasons,
the platform's reason as a fallback, the deciding words, the table staff edit."""
from __future__ import annotations

import pytest

from aftersales.models import ReasonPhrase
from aftersales.reasons import classify, phrase_table
from tests.aftersales.labelled_reasons import LABELLED

pytestmark = pytest.mark.django_db


def test_accuracy_on_the_labelled_set_is_at_least_90_percent():
    # the table the migration installs, read from the database as the services read it
    table = phrase_table()
    assert len(LABELLED) >= 200
    right = sum(classify(sentence, "", table).category == label for sentence, label in LABELLED)
    assert right / len(LABELLED) >= 0.90, f"{right}/{len(LABELLED)}"


@pytest.mark.parametrize("sentence,expected", [
    ("没有破损，就是不想要了", "no_longer_wanted"),
    ("不是质量问题，拍错了", "no_longer_wanted"),
    ("质量没问题，颜色发错了", "wrong_item"),
    ("外包装完好，少发了一件", "missing_item"),
])
def test_negated_reasons_do_not_count(sentence, expected):
    result = classify(sentence)
    assert result.category == expected
    assert result.negated  # the denied phrase was seen and set aside


def test_several_reasons_the_sellers_fault_decides_and_all_are_kept():
    result = classify("发错了颜色，而且不想要了")
    assert result.category == "wrong_item"
    assert set(result.found) == {"wrong_item", "no_longer_wanted"}
    assert result.deciding_words == "发错"


def test_the_platform_reason_is_the_fallback_and_says_so():
    result = classify("请尽快处理", "商品破损/少件")
    assert result.category == "missing_item" or result.category == "damaged"
    assert result.from_platform and result.deciding_words.endswith("（平台原因）")
    assert classify("请尽快处理", "").category == "other"


def test_a_phrase_staff_add_in_the_admin_is_used(admin_client):
    assert classify("收到的是男款，我下单的女款").category == "other"
    answer = admin_client.post("/admin/aftersales/reasonphrase/add/", {
        "phrase": "下单的", "category": "wrong_item", "weight": 30, "is_active": "on"})
    assert answer.status_code == 302
    assert ReasonPhrase.objects.filter(phrase="下单的").exists()
    assert classify("收到的是男款，我下单的女款").category == "wrong_item"


def test_the_case_shows_the_deciding_words(open_case):
    case = open_case("return", words="杯子碎了，不想要了")
    assert (case.reason_category, case.deciding_words, case.team) == (
        "damaged", "碎", "logistics_claims")
