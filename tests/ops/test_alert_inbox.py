"""The alert inbox opens on what is open and addressed to me, groups alerts of one kind and
cause, acts on whole groups, and shows no internal keys or JSON."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from logistics.shipments.models import Carrier
from orderhub.alerts.kinds import alert_kind_choices
from orderhub.alerts.models import Alert
from orderhub.alerts.services import AlertSpec, alert_raise, alerts_raise_many

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rules")]

INBOX = reverse("admin:alerts_alert_changelist")


def carrier(code: str, name: str) -> Carrier:
    found, _created = Carrier.objects.get_or_create(code=code, defaults={"name": name})
    return found


def silent_parcels(code: str, count: int, start: int = 0) -> list[Alert]:
    """What the stale-trace sweep raises: one alert per silent parcel, data naming the carrier."""
    return alerts_raise_many(specs=[
        AlertSpec(key=f"shipment-stale:{code}:{n}", kind="shipment_stale", team="customer_service",
                  title=f"{code} 7730{n:08d}: no movement for 50 h",
                  data={"shipment_id": 10_000 + n, "carrier": code})
        for n in range(start, start + count)], now=timezone.now())


@pytest.fixture
def inbox(db):
    zto, sf = carrier("ZTO", "中通快递"), carrier("SF", "顺丰速运")
    silent_parcels(zto.code, 120)
    silent_parcels(sf.code, 3, start=500)
    warehouse, _ = alert_raise(key="sla:w:1", kind="sla", team="warehouse",
                               title="TM1: picking over its SLA",
                               data={"status": "picking", "hub_no": "TM1",
                                     "due_at": "2026-01-28T02:00:00+00:00"})
    done, _ = alert_raise(key="stale:done", kind="shipment_stale", team="customer_service",
                          title="resolved one", data={"carrier": "ZTO"})
    Alert.objects.filter(pk=done.pk).update(status=Alert.AlertStatus.RESOLVED)
    return {"zto": zto, "sf": sf, "warehouse": warehouse, "done": done}


def visible_text(response) -> str:
    """What a person reads: the page without its tags, scripts and styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def rows(response) -> list[str]:
    html = response.content.decode()
    body = html.split('id="result_list"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)[1:]


def test_every_kind_raised_in_the_code_is_declared_with_words():
    # given the kinds the apps raise (the codes passed to alert_raise / AlertSpec)
    declared = dict(alert_kind_choices())
    for code in ("sla", "ship_by", "shipment_stale", "low_stock", "finance_red_line",
                 "writeback_failed", "aftersales_overdue", "event_dead_letter",
                 "webhook_disabled", "weekly_health_report"):
        # then each has its words, not its code
        assert code in declared and declared[code] != code


def test_the_inbox_opens_on_my_open_alerts_grouped_by_kind_and_cause(client, make_user, inbox):
    # given a customer-service user (their team gets the parcel alerts, not the warehouse's)
    client.force_login(make_user("customer_service"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"

    # when they open the inbox with no filter
    response = client.get(INBOX)

    # then they see two rows: 120 silent ZTO parcels and 3 SF ones, open ones only
    listed = rows(response)
    assert len(listed) == 2, listed
    text = " ".join(listed)
    assert "中通快递" in text and "顺丰速运" in text and "包裹长时间无轨迹" in text
    assert "120" in text and "3 " in text
    assert "TM1" not in text  # the warehouse's alert is not addressed to them
    # and no internal key or JSON reaches the page
    shown = visible_text(response)
    assert "shipment-stale" not in shown and "shipment_stale" not in shown, shown
    assert '{"' not in shown


def test_a_group_opens_into_each_alert_and_is_acknowledged_whole(client, make_user, inbox):
    client.force_login(make_user("customer_service"))
    listing = client.get(INBOX).content.decode()
    expand = re.search(r'class="oh-expand" href="\?([^"]+cause=ZTO[^"]*)"', listing).group(1)
    # when the reader opens the ZTO group
    shown = client.get(f"{INBOX}?{expand.replace('&amp;', '&')}")
    opened = rows(shown)
    # then each of its alerts is a row (a page of 100 of the 120)
    assert len(opened) == 100 and all("ZTO" in row or "SF" not in row for row in opened)
    # when they acknowledge the group from the grouped view
    head = Alert.objects.filter(cause="ZTO", status="open").order_by("-pk").first()
    client.post(INBOX, {"action": "acknowledge", "_selected_action": [head.pk]})
    # then all 120 open ZTO alerts are acknowledged, SF untouched
    assert Alert.objects.filter(cause="ZTO", status="acknowledged").count() == 120
    assert Alert.objects.filter(cause="SF", status="open").count() == 3


def test_managers_see_what_climbed_past_the_team_leads(client, make_user, inbox):
    Alert.objects.filter(pk=inbox["warehouse"].pk).update(level=Alert.Level.DIRECTOR)
    client.force_login(make_user("manager"))
    listed = rows(client.get(INBOX))
    assert len(listed) == 1 and "TM1" in listed[0]
    # and "everyone" shows the rest
    assert len(rows(client.get(INBOX, {"for": "all"}))) == 3


def test_the_alert_page_shows_words_not_keys_or_json(client, make_user, inbox):
    client.force_login(make_user("warehouse"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    page = client.get(reverse("admin:alerts_alert_change", args=[inbox["warehouse"].pk]))
    html = visible_text(page)
    assert page.status_code == 200
    assert "sla:w:1" not in html and '{"' not in html
    assert "仓库拣货" in html  # the state in words
    assert "环节超时" in html  # the kind in words
