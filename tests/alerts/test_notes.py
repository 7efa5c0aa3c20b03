"""The notes of an alert's timeline are stored as codes and read in the reader's language."""
from __future__ import annotations

import datetime as dt

from django.utils import translation

from orderhub.alerts import texts
from orderhub.alerts.models import AlertEvent
from orderhub.alerts.services import alert_raise, alerts_escalate
from orderhub.core.texts import render
from tests.factories import OrderFactory


def test_a_climb_is_noted_as_a_code_and_read_in_chinese_and_english(db):
    # given a level-1 alert on the built-in ladder (level 2 after 30 min, level 3 after 60)
    alert, _created = alert_raise(key="sla:notes:1", kind="sla", title="late", team="warehouse",
                                  order=OrderFactory())
    # when the sweep runs 65 minutes later
    alerts_escalate(now=alert.raised_at + dt.timedelta(minutes=65))
    # then each rung climbed is noted as a code with its level and the minutes
    notes = list(alert.events.filter(kind=AlertEvent.Kind.ESCALATED)
                 .order_by("level").values_list("note", flat=True))
    assert notes == [texts.ESCALATED.encode(level=2, minutes=65),
                     texts.ESCALATED.encode(level=3, minutes=65)]
    with translation.override("en"):
        assert render(notes[0]) == "level 2 after 65 min"
    with translation.override("zh-hans"):
        assert render(notes[0]) == "65 分钟后升到第 2 级"


def test_the_api_reads_the_timeline_notes_in_the_request_language(db, token_client):
    alert, _created = alert_raise(key="sla:notes:2", kind="sla", title="late", team="warehouse",
                                  order=OrderFactory())
    alerts_escalate(now=alert.raised_at + dt.timedelta(minutes=31))
    client = token_client("warehouse")
    # (the override puts the test's language back: the middleware leaves the request's active)
    with translation.override("en"):
        detail = client.post(f"/api/alerts/{alert.pk}/resolve/", {"resolution": "done"},
                             HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert detail.status_code == 200
    notes = [event["note"] for event in detail.json()["events"] if event["kind"] == "escalated"]
    assert notes == ["31 分钟后升到第 2 级"]
