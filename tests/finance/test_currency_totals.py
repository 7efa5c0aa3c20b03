"""Money in several currencies on the finance board and in its exports: totals per colour per
currency, never added across currencies; an Amazon order's several payment rows count its
money once. The figures are worked out by hand from the two files:

- ``wechatpay_all_20260128.csv`` (CNY): green 99.00 paid in full; yellow 199.00 paid, 0.50
  fee, 20.00 refunded with 0.05 of the fee back;
- ``amazon_settlement_v2.txt`` (USD): the tee 39.99 (Principal 39.99, Tax 3.20, withheld
  −3.20) less 6.00 commission and 3.86 FBA fee = 30.13; the socks 25.98 − 2.60 promotion =
  23.38 less 3.51 + 6.84 = 13.03; the hat's refund (−18.00, commission back 2.70, refund
  commission −0.54); a storage fee of 4.12 naming no order.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from finance import exports
from finance.selectors import board_lines, colour_totals, monthly_consistency
from finance.services.statements import statement_import
from tests.finance.test_amazon_settlement import FILE, amazon, orders  # noqa: F401

pytestmark = pytest.mark.django_db
BOARD = "/admin/finance/statementline/"


@pytest.fixture
def both(finance_user, orders, statement_file, wechat_order_refunded,  # noqa: F811
         wechat_order_exact):
    statement_import(content=statement_file(FILE), file_name=FILE, actor=finance_user)
    statement_import(content=statement_file("wechatpay_all_20260128.csv"), file_name="w.csv",
                     actor=finance_user)


def money(totals):
    return (totals.count, totals.expected, totals.received, totals.fees, totals.difference)


def test_each_colour_has_a_row_per_currency(both):
    totals = {(t.colour, t.currency): t for t in colour_totals(board_lines())}
    assert money(totals["green", "CNY"]) == (1, Decimal("99.00"), Decimal("99.00"),
                                             Decimal("0.00"), Decimal("0.00"))
    # the tee and the socks, each once: 39.99 + 23.38 expected, 30.13 + 13.03 received,
    # 9.86 + 10.35 fees, on 5 + 4 lines
    assert money(totals["green", "USD"]) == (9, Decimal("63.37"), Decimal("43.16"),
                                             Decimal("20.21"), Decimal("0.00"))
    assert money(totals["yellow", "CNY"]) == (2, Decimal("199.00"), Decimal("178.55"),
                                              Decimal("0.45"), Decimal("20.45"))
    # the hat's refund: 2.70 of commission given back, 0.54 kept
    assert money(totals["yellow", "USD"]) == (3, Decimal("0.00"), Decimal("0.00"),
                                              Decimal("-2.16"), Decimal("0.00"))
    assert money(totals["grey", "USD"])[0::3] == (1, Decimal("4.12"))
    # a colour with no line in a board of two currencies: one row of zeros, no currency
    assert money(totals["red", ""]) == (0, *[Decimal("0.00")] * 4)
    # the home currency first within a colour
    assert [t.currency for t in colour_totals(board_lines()) if t.colour == "green"] == [
        "CNY", "USD"]


def test_the_board_shows_the_currency_of_each_total(both, finance_user, client):
    client.force_login(finance_user)
    html = client.get(BOARD).content.decode()
    assert 'class="colour-green" data-currency="USD"' in html
    assert 'class="colour-green" data-currency="CNY"' in html
    assert "63.37" in html and "99.00" in html
    assert "162.37" not in html  # 99.00 + 63.37: yuan and dollars never added


def test_a_board_of_one_currency_keeps_it_on_empty_colours(finance_user, orders,  # noqa: F811
                                                          statement_file):
    statement_import(content=statement_file(FILE), file_name=FILE, actor=finance_user)
    assert {t.currency for t in colour_totals(board_lines())} == {"USD"}


def test_the_monthly_report_gives_money_per_currency(both):
    rows = {row.channel.code: row for row in monthly_consistency(month=dt.date(2026, 1, 1))}
    # Amazon's payment rows of January: 39.99 + 3.20 − 3.20 + 25.98 − 2.60 = 63.37 dollars
    assert rows["amazon"].received_amounts == {"USD": Decimal("63.37")}
    assert rows["amazon"].received_amount == Decimal("63.37")
    # mixed currencies on one channel are spelled out, never summed
    rows["amazon"].received_amounts["SGD"] = Decimal("12.00")
    assert rows["amazon"].received_amount == "SGD 12.00; USD 63.37"


def test_the_line_export_names_each_line_currency(both, finance_user):
    table = exports.board_table(actor=finance_user, lines=board_lines())
    currency = table.headers.index("Currency")
    rows = list(table.rows)
    assert {row[currency] for row in rows} == {"CNY", "USD"}
    assert len(rows) == 13 + 3
