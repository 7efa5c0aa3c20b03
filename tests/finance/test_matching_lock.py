"""The import and the re-match of red lines take one lock, and neither overwrites a person's
review, on PostgreSQL (SQLite takes no locks; PITFALLS.md).

An import holds finance's matching lock until it commits; a re-match started meanwhile waits,
then sees the import's lines. A person resolving a red line while a re-match holds it waits,
and then finds the line matched (or the re-match skips a line the person resolved first).
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from finance.models import Colour, StatementLine
from finance.services.escalation import red_lines_rematch
from finance.services.reviews import line_resolve
from finance.services.statements import statement_import
from orders.state_machine import Status
from tests.conftest import requires_postgres
from tests.factories import ChannelFactory, OrderFactory
from tests.finance.bills import WechatRow, wechat_bill
from tests.finance.test_settle_concurrency import InThread
from tests.orders.test_concurrency import wait_for_lock_waiters

pytestmark = [requires_postgres("advisory and row locks"),
              pytest.mark.django_db(transaction=True)]


@pytest.fixture
def channel():
    return ChannelFactory()


def test_a_rematch_waits_for_an_import_in_progress(make_user, channel):
    finance = make_user("finance")
    # given a red line whose order has since arrived
    statement_import(content=wechat_bill([WechatRow("4200000000000000000501", "MP501",
                                                    settled="80.00")]),
                     file_name="early.csv", actor=finance)
    red = StatementLine.objects.get()
    assert red.colour == Colour.RED
    OrderFactory(channel=channel, payment_serial_no="4200000000000000000501",
                 paid_amount=Decimal("100.00"), status=Status.INVOICED)
    # and another statement's import under way, not committed: it holds the lock
    importing = InThread(lambda: statement_import(
        content=wechat_bill([WechatRow("4200000000000000000599", "MP599", settled="20.00",
                                       at="2026-01-28 12:00:00")]),
        file_name="other.csv", actor=finance))
    assert importing.done.wait(20)
    # when the red-line sweep re-matches meanwhile, then it waits for the import
    rematch = InThread(red_lines_rematch, hold=False)
    wait_for_lock_waiters(1)
    assert not rematch.done.is_set()
    importing.commit()
    assert rematch.commit() == 1
    red.refresh_from_db()
    assert red.order_id is not None and red.colour == Colour.RED  # 80.00 of 100.00: a look
    assert red.cause == "amount_mismatch"


def test_a_resolve_during_a_rematch_waits_and_the_rematch_verdict_stands(make_user, channel):
    finance = make_user("finance")
    statement_import(content=wechat_bill([WechatRow("4200000000000000000502", "MP502",
                                                    settled="60.00")]),
                     file_name="early.csv", actor=finance)
    line = StatementLine.objects.get()
    OrderFactory(channel=channel, payment_serial_no="4200000000000000000502",
                 paid_amount=Decimal("60.00"), status=Status.INVOICED)
    # given a re-match that holds the red line, not committed
    rematch = InThread(red_lines_rematch)
    assert rematch.done.wait(20) and rematch.result == 1
    # when finance resolves the line meanwhile, it waits for the re-match
    resolving = InThread(lambda: line_resolve(line=line, actor=finance, reason="by hand"),
                         hold=False)
    wait_for_lock_waiters(1)
    rematch.commit()
    # then the resolve finds the line green (nothing to resolve), and the line is green
    with pytest.raises(Exception, match="Only red lines are resolved"):
        resolving.commit()
    line.refresh_from_db()
    assert (line.colour, line.reviewed_at) == (Colour.GREEN, None)


def test_a_rematch_skips_a_line_resolved_while_it_waited(make_user, channel):
    finance = make_user("finance")
    statement_import(content=wechat_bill([WechatRow("4200000000000000000503", "MP503",
                                                    settled="60.00")]),
                     file_name="early.csv", actor=finance)
    line = StatementLine.objects.get()
    OrderFactory(channel=channel, payment_serial_no="4200000000000000000503",
                 paid_amount=Decimal("60.00"), status=Status.INVOICED)
    # given finance resolving the red line, not committed: the line's row is locked
    resolving = InThread(lambda: line_resolve(line=line, actor=finance, reason="refunded"))
    assert resolving.done.wait(20)
    # when the sweep re-matches meanwhile, it waits on the line, and after the resolve commits
    # it leaves the line as the person left it
    rematch = InThread(red_lines_rematch, hold=False)
    wait_for_lock_waiters(1)
    resolving.commit()
    assert rematch.commit() == 0
    line.refresh_from_db()
    assert (line.colour, line.review_reason, line.order_id) == (Colour.RED, "refunded", None)
