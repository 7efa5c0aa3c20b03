"""The queue in the admin: the list, the case page with the whole order, moves and answers."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from aftersales.models import Case, ReasonCategory, ReasonPhrase, Team, TeamRoute

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_queue_lists_open_cases_by_priority_then_deadline(open_case, make_user):
    low = open_case("return", words="不想要了")
    high = open_case("return", words="发错了颜色")
    page = client_for(make_user("customer_service")).get("/admin/aftersales/case/?due=open",
                                                         HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert "答复截止" in page.content.decode() and "待处理" in page.content.decode()
    listed = [c.pk for c in page.context["cl"].result_list]
    assert listed.index(high.pk) < listed.index(low.pk)  # wrong item is high priority


def test_the_case_page_shows_the_whole_order(open_case, make_user):
    case = open_case("return")
    page = client_for(make_user("customer_service")).get(
        f"/admin/aftersales/case/{case.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert case.order.hub_no in html and "TS-WHITE-L" in html
    assert "approve_return" in html  # the move open to customer service


def test_the_order_page_shows_its_cases(open_case, make_user):
    case = open_case("refund_only", status="delivered")
    page = client_for(make_user("customer_service")).get(
        f"/admin/orders/order/{case.order_id}/change/")
    assert page.status_code == 200 and case.case_no in page.content.decode()


def test_a_usual_answer_is_one_click_and_does_every_step(open_case, make_user, a_warehouse):
    case = open_case("partial_refund", words="少发了一件", amount="20.00")
    answer = client_for(make_user("customer_service")).post(
        f"/admin/aftersales/case/{case.pk}/answer/missing_partial_refund/")
    assert answer.status_code == 302
    case.refresh_from_db()
    assert case.status == "refunded"
    assert case.history.count() == 3  # opened, approved, refunded


def test_a_role_without_the_move_is_told_and_nothing_changes(open_case, make_user):
    case = open_case("return")
    client = client_for(make_user("warehouse"))
    answer = client.post(f"/admin/aftersales/case/{case.pk}/move/",
                         {"move": "approve_return"}, follow=True)
    assert "aftersales.answer_case" in answer.content.decode()
    assert Case.objects.get(pk=case.pk).status == "requested"


def test_the_figures_page_shows_rates_and_medians(open_case, make_user):
    from django.utils import timezone
    from aftersales.figures import aftersales_figures
    from aftersales.services import case_transition
    case = open_case("return", words="发错了")
    order = case.order
    order.paid_at = timezone.now()
    order.save(update_fields=["paid_at"])
    cs = make_user("customer_service")
    case_transition(case=case, name="approve_return", actor=cs)
    figures = aftersales_figures(days=30)
    assert [(r.label, r.cases, r.base) for r in figures.by_reason] == [("wrong_item", 1, 1)]
    assert [(r.label, r.cases) for r in figures.by_sku] == [("TS-WHITE-L", 1)]
    assert figures.median_first_answer is not None and figures.median_close is None
    page = client_for(cs).get("/admin/aftersales/case/figures/")
    assert page.status_code == 200 and "100 %" in page.content.decode()


def test_the_customer_page_lists_their_cases_on_every_channel(order_in, open_case, make_user):
    # given a customer with a JD order and a Taobao order, each with a case, and someone else's
    jd = order_in("delivered")
    taobao = order_in("delivered", channel="taobao")
    taobao.customer = jd.customer
    taobao.save(update_fields=["customer"])
    mine = [open_case("return", order=jd, words="尺码偏小"),
            open_case("refund_only", order=taobao, words="发错了")]
    other = open_case("resend", words="少发了")
    assert other.order.customer_id != jd.customer_id
    # when customer service opens the customer's page (in Chinese)
    page = client_for(make_user("customer_service")).get(
        f"/admin/orders/customer/{jd.customer_id}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    # then both cases are listed, newest first, with their channel, order and status
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index(mine[1].case_no) < html.index(mine[0].case_no)
    assert jd.hub_no in html and taobao.hub_no in html
    assert jd.channel.name in html and taobao.channel.name in html
    assert other.case_no not in html
    assert "售后" in html
    # and someone who may see customers but not cases does not get the card
    blind = make_user(None, is_staff=True)
    blind.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_customer", "view_order"]))
    page = client_for(blind).get(f"/admin/orders/customer/{jd.customer_id}/change/")
    assert page.status_code == 200 and jd.hub_no in page.content.decode()
    assert mine[0].case_no not in page.content.decode()


def test_the_queue_reads_a_page_without_counting_every_case(open_case, make_user):
    # given a queue of cases on different orders
    for words in ("发错了", "不想要了", "破损了", "少发了", "质量差"):
        open_case("return", words=words)
    client = client_for(make_user("customer_service"))
    client.get("/admin/aftersales/case/?due=open")  # sessions and permissions warmed
    # when the queue is opened
    with CaptureQueriesContext(connection) as seen:
        page = client.get("/admin/aftersales/case/?due=open")
    # then the rows, their orders and channels come in one query, and the count is capped
    assert page.status_code == 200 and len(page.context["cl"].result_list) == 5
    counts = [q["sql"] for q in seen.captured_queries if "COUNT(" in q["sql"]]
    assert counts and all("LIMIT 1001" in sql for sql in counts), counts
    rows = [q["sql"] for q in seen.captured_queries if 'FROM "aftersales_case"' in q["sql"]
            and "COUNT(" not in q["sql"]]
    assert len(rows) == 1 and '"orders_order"' in rows[0] and '"orders_channel"' in rows[0]


def test_the_queue_names_its_inspection_actions_and_case_number_in_chinese(open_case, make_user):
    # given a case, when the queue is read in Chinese
    open_case("return")
    page = client_for(make_user("customer_service")).get("/admin/aftersales/case/",
                                                         HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    # then the inspection actions read the inspection's label and the column its name
    assert "验货 (良品：重新入库)" in html and "验货 (破损：报废)" in html
    assert "Inspect the return" not in html and "(good)" not in html
    assert "售后单号" in html and "Case no" not in html


def test_a_reason_phrase_and_a_team_route_read_their_labels():
    with translation.override("zh-hans"):
        phrase = ReasonPhrase(phrase="发错", category=ReasonCategory.WRONG_ITEM)
        route = TeamRoute(category=ReasonCategory.WRONG_ITEM, team=Team.WAREHOUSE)
        assert str(phrase) == f"发错 → {ReasonCategory.WRONG_ITEM.label}"
        assert "wrong_item" not in str(phrase) and "warehouse" not in str(route)
