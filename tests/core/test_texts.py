"""Stored texts: a code with parameters, rendered in the reader's language (orderhub.core.texts)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from orderhub.core import texts
from orderhub.core.texts import choice, define, encode, field_of, fit, is_encoded, render
from orders import texts as order_texts
from orders.models import Hold, Order
from orders.state_machine import Status

OUT_OF_STOCK = define("tests.out_of_stock",
                      _("SKU %(sku)s (needs %(needed)s, %(available)s available)"))


def in_language(language: str, value: str) -> str:
    with translation.override(language):
        return render(value)


def test_a_stored_text_renders_in_each_language_from_the_po_file():
    # given a hold reason stored by a sweep, in no one's language
    stored = order_texts.HOLD.encode(reason="SKU A-1")
    # then each reader reads it in their own
    assert in_language("zh-hans", stored) == "暂停：SKU A-1"
    assert in_language("en", stored) == "hold: SKU A-1"


def test_the_stored_value_is_a_code_and_json_parameters():
    stored = OUT_OF_STOCK.encode(sku="A-1", needed=3, available=Decimal("0"))
    assert stored == '§tests.out_of_stock{"available":"0","needed":3,"sku":"A-1"}'
    assert is_encoded(stored)
    assert in_language("en", stored) == "SKU A-1 (needs 3, 0 available)"


def test_typed_text_and_old_english_rows_render_as_themselves():
    for typed in ("买家要求改地址", "hold: out of stock: SKU X", "§ not a code", "", "§Bad{"):
        assert render(typed) == typed
        assert not is_encoded(typed)
    assert render(None) == ""


def test_an_unknown_code_or_a_broken_template_renders_readably_never_raises():
    assert in_language("zh-hans", encode("gone.out_of_stock", sku="A-1", late=True)) == \
        "out of stock（late：是，sku：A-1）"
    # parameters out of step with the template: the code's words and the parameters
    assert in_language("en", encode("tests.out_of_stock", sku="A-1")) == \
        "out of stock（sku：A-1）"
    # parameters that are not JSON: shown as typed, not raised
    assert render('§tests.out_of_stock{"sku":') == '§tests.out_of_stock{"sku":'


def test_codes_in_parameters_are_rendered_through_their_labels():
    # given a status, a bool, a hold source, a field and a time as parameters
    moment = dt.datetime(2026, 12, 4, 2, 31, tzinfo=dt.timezone.utc)
    stored = encode("tests.unknown", status=Status.PICKING, raw=choice(Status, "packing"),
                    paid=False, source=Hold.Source.OUT_OF_STOCK,
                    field=field_of(Order, "receiver_phone"), at=moment)
    shown = in_language("zh-hans", stored)
    # then no raw code reaches the reader
    for raw in ("picking", "packing", "False", "out_of_stock", "receiver_phone", "02:31"):
        assert raw not in shown
    assert "拣货" in shown and "否" in shown and "10:31" in shown  # Asia/Shanghai
    assert "picking" not in in_language("en", stored).lower().split("（")[1].split("，")[0]


def test_a_text_inside_a_text_is_rendered_and_stored_as_an_object():
    inner = order_texts.DURATION_HOURS.encode(hours=2, minutes=10)
    stored = order_texts.STEP_LATE_TITLE.encode(hub_no="JD1", status=Status.PICKING, taken=inner)
    assert '\\"' not in stored  # not re-escaped JSON
    assert in_language("zh-hans", stored) == "JD1：仓库拣货用时 2 小时 10 分钟"
    assert in_language("en", stored) == "JD1: Picking took 2 h 10 min"


def test_a_list_parameter_is_joined():
    stored = encode("tests.unknown", skus=["A", "B"])
    assert "A、B" in render(stored)


def test_fit_shortens_the_parameters_not_the_code():
    stored = OUT_OF_STOCK.encode(sku="X" * 300, needed=1, available=0)
    short = fit(stored, 100)
    assert len(short) <= 100 and is_encoded(short)
    assert in_language("en", short).startswith("SKU XXX")
    assert "…" in render(short)
    # typed text is cut plainly
    assert fit("a" * 300, 10) == "a" * 10


def test_translated_words_are_refused_as_parameters():
    with pytest.raises(TypeError):
        encode("tests.unknown", label=_("Open"))


def test_a_code_is_defined_once():
    with pytest.raises(ValueError):
        define("tests.out_of_stock", _("something else"))
    with pytest.raises(ValueError):
        define("Bad Code", _("x"))


def test_every_defined_template_names_only_parameters_the_code_can_render():
    # each app's texts module is found, and each template renders with its own names
    texts._discover()
    assert any(code.startswith("logistics.") for code in texts._registry)
    for code, text in texts._registry.items():
        names = set(__import__("re").findall(r"%\((\w+)\)s", str(text.template)))
        with translation.override("zh-hans"):
            shown = render(encode(code, **{name: "x" for name in names}))
        assert "%(" not in shown, code


def test_the_local_time_is_used(settings):
    moment = timezone.make_aware(dt.datetime(2026, 12, 4, 10, 31), dt.timezone.utc)
    assert "18:31" in render(encode("tests.unknown", at=moment))


def test_fit_ends_when_the_parameters_cannot_shrink_further():
    # given many short parameters and a text inside it: nothing left to shorten
    stored = encode("tests.unknown", a="xy", b="z" * 40, inner=OUT_OF_STOCK.encode(
        sku="A" * 80, needed=1, available=0), **{f"n{i}": i for i in range(30)})
    short = fit(stored, 60)
    assert len(short) <= 60 and short.startswith("§tests.unknown")
    assert render(short)  # readable, not raised
