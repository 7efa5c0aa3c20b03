"""PostgreSQL: the same platform case delivered by several pushes at once is one case."""
from __future__ import annotations

import pytest
from django.db import connection

from aftersales.models import Case
from aftersales.services import CaseInput, CaseLineInput, case_receive
from tests.channels.writeback_kit import channel_of
from tests.conftest import requires_postgres, run_together

pytestmark = [pytest.mark.postgres, requires_postgres(),
              pytest.mark.django_db(transaction=True)]


def test_concurrent_deliveries_of_one_case_make_one_case():
    channel = channel_of("pdd")  # made again if an earlier transactional test flushed it

    def deliver():
        case_receive(channel=channel, actor=None, data=CaseInput(
            channel_case_no="5480099999", channel_order_no="260128-0001", kind="refund_only",
            buyer_words="不想要了", lines=[CaseLineInput(title="海绵", quantity=1)]))

    errors = run_together(deliver, threads=4)
    assert errors == []
    assert Case.objects.filter(channel=channel, channel_case_no="5480099999").count() == 1
    assert connection.vendor == "postgresql"
