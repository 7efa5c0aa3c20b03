"""The warehouse board (logistics/board.py): open work by warehouse and step, most overdue
first, and its table alone for the page's own refresh."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from logistics.board import warehouse_board
from logistics.models import FulfilmentDecision, Warehouse
from orders.state_machine import Status
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db
BOARD = "admin:logistics_board"


def routed(warehouse, **kwargs):
    order = OrderFactory(**kwargs)
    FulfilmentDecision.objects.create(order=order, warehouse=warehouse,
                                      outcome=FulfilmentDecision.Outcome.ALLOCATED)
    return order


@pytest.fixture
def floors():
    now = timezone.now()
    bj = Warehouse.objects.create(code="TBJ", name="测试北京仓", priority=1)
    sh = Warehouse.objects.create(code="TSH", name="测试上海仓", priority=2)
    late, later, soon = (now - dt.timedelta(hours=h) for h in (5, 1, -2))
    orders = {
        "bj_paid": routed(bj, status=Status.PAID, state_due_at=soon),
        "bj_picking_late": routed(bj, status=Status.PICKING, state_due_at=later),
        "bj_packing_later": routed(bj, status=Status.PACKING, state_due_at=late),
        "sh_paid": routed(sh, status=Status.PAID, state_due_at=soon),
        "sh_shipped": routed(sh, status=Status.IN_TRANSIT),
        "unrouted": OrderFactory(status=Status.PAID),
        "review": OrderFactory(status=Status.RISK_REVIEW, state_due_at=late),
    }
    return bj, sh, orders


def test_open_work_by_warehouse_and_step_most_overdue_first(floors):
    bj, sh, orders = floors
    board = warehouse_board()
    # BJ (2 overdue) first, then SH and the unrouted order (none overdue; more work first)
    assert [work.warehouse for work in board] == [bj, sh, None]
    steps = {step.status: (step.total, step.overdue) for step in board[0].steps}
    assert steps == {Status.PAID: (1, 0), Status.PICKING: (1, 1), Status.PACKING: (1, 1),
                     Status.AWAITING_PICKUP: (0, 0)}
    # most overdue first: due 5 h ago, then 1 h ago, then not yet due
    assert [o.hub_no for o in board[0].orders] == [
        orders["bj_packing_later"].hub_no, orders["bj_picking_late"].hub_no,
        orders["bj_paid"].hub_no]
    # shipped orders and risk review are not the warehouse's work
    assert board[1].total == 1 and board[2].total == 1


def test_the_board_and_its_table_alone(floors, client, make_user):
    client.force_login(make_user("warehouse"))
    page = client.get(reverse(BOARD), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert page.status_code == 200 and "仓库看板" in html and 'data-refresh-seconds="30"' in html
    table = client.get(reverse(BOARD), {"fragment": "1"}).content.decode()
    assert "<html" not in table and 'data-warehouse="TBJ"' in table
    assert table.index('data-warehouse="TBJ"') < table.index('data-warehouse="TSH"')
    # the refresh can be asked faster for a wall screen, never below 2 s
    assert 'data-refresh-seconds="2"' in client.get(reverse(BOARD), {"refresh": "0"}).content.decode()


def test_the_board_needs_the_picking_queue_permission(client, make_user):
    client.force_login(make_user("finance"))
    assert client.get(reverse(BOARD)).status_code == 403
