"""``GET /healthz`` (DESIGN.md section 4): database, worker heartbeat and event backlog, no
login, no personal data; 200 when the hub can work, 503 naming what is wrong."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import DatabaseError
from django.test import Client
from django.utils import timezone

from orderhub import health
from orderhub.events.models import EventTask
from orderhub.events.services import NewEvent, events_record
from tests.test_worker import finished_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_a_worker(settings):
    """Production's set-up: tasks go to a worker (the suite runs them inline)."""
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}


def get() -> tuple[int, dict]:
    response = Client().get("/healthz")
    assert response["Cache-Control"].startswith("max-age=0")
    return response.status_code, json.loads(response.content)


def test_healthy_with_a_worker_that_just_ran_and_nothing_waiting(with_a_worker):
    finished_task(ago=dt.timedelta(seconds=20))
    status, body = get()
    assert (status, body["status"], body["problems"]) == (200, "ok", [])
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["worker"]["last_task_seconds_ago"] in (20, 21)
    assert body["checks"]["events"] == {"ok": True, "pending": 0, "oldest_pending_seconds": None,
                                        "dead_letters": 0, "limit_seconds": 300}


def test_no_worker_ever_is_503_saying_so(with_a_worker):
    status, body = get()
    assert status == 503 and body["status"] == "unhealthy"
    assert body["problems"] == ["no background worker has finished a task (is qcluster running?)"]


def test_a_silent_worker_and_an_old_backlog_are_503(with_a_worker):
    # given a worker last seen 10 minutes ago, and an effect waiting for 7 minutes
    finished_task(ago=dt.timedelta(minutes=10))
    events_record([NewEvent("order.status_changed", 1, {"from": "paid", "to": "cancelled",
                                                        "move": "cancel"})])
    EventTask.objects.update(created_at=timezone.now() - dt.timedelta(minutes=7))
    status, body = get()
    assert status == 503
    # (the seconds are read when the request runs: a loaded machine may add one or two)
    worker, backlog = body["problems"]
    assert re.fullmatch(r"no background worker has finished a task for 60[0-3] s", worker)
    assert re.fullmatch(r"an effect has waited 42[0-3] s to be handled", backlog)
    # one task per handler that wants a cancel: stock (release) and the management figures
    assert body["checks"]["events"]["pending"] == 2


def test_inline_tasks_need_no_worker(db):
    # the suite's (and a Q_SYNC deployment's) tasks run inline: nothing to wait for
    status, body = get()
    assert status == 200 and body["checks"]["worker"]["mode"] == "inline"


def test_a_database_that_does_not_answer_is_503(monkeypatch):
    def broken():
        raise DatabaseError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", broken)
    status, body = get()
    assert status == 503
    assert body["problems"] == ["the database does not answer (DatabaseError)"]
    assert set(body["checks"]) == {"database"}


def test_no_login_and_read_only():
    assert Client().post("/healthz", content_type="application/json").status_code == 405
    assert Client().head("/healthz").status_code in (200, 503)
