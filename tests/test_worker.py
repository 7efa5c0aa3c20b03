"""The background worker (django-q2's ``qcluster``) as production runs it.

The rest of the suite runs tasks inline (``orderhub/test_settings.py``), which hides every
failure of the real worker (PITFALLS.md). On any database: the connection settings each
process gets, and the worker heartbeat that ``/healthz`` reads.
"""
from __future__ import annotations

import datetime as dt
import runpy
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_q.models import Task
from django_q.tasks import async_task

from orderhub.core.selectors import worker_heartbeat_age

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgres://hub@db.example:5432/orderhub"


def settings_of(monkeypatch, argv: list[str], **environ: str) -> dict:
    """The settings module as a process started with ``argv`` and ``environ`` would read it."""
    monkeypatch.setattr(sys, "argv", argv)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "orderhub" / "settings.py"))


def test_the_worker_keeps_a_connection_of_its_own_in_each_process_and_no_pool(monkeypatch):
    # given the production settings, pool on
    # when qcluster reads them
    database = settings_of(monkeypatch, ["manage.py", "qcluster"],
                           DATABASE_URL=PG_URL, DB_POOL="1")["DATABASES"]["default"]
    # then its forked processes share no pool; each keeps and checks its own connection
    assert "pool" not in database.get("OPTIONS", {})
    assert database["CONN_MAX_AGE"] == 600
    assert database["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize("argv", [
    ["manage.py", "runserver"],
    ["/srv/hub/.venv/bin/gunicorn", "orderhub.wsgi"],
    ["manage.py", "migrate"],
    ["manage.py", "sla_sweep", "qcluster"],
])
def test_web_servers_and_other_commands_keep_the_pool(monkeypatch, argv):
    # given the production settings, pool on
    # when another process reads them
    database = settings_of(monkeypatch, argv, DATABASE_URL=PG_URL, DB_POOL="1",
                           DB_POOL_MAX="7")["DATABASES"]["default"]
    # then it has the pool, which needs CONN_MAX_AGE = 0
    assert database["OPTIONS"]["pool"]["max_size"] == 7
    assert database["CONN_MAX_AGE"] == 0


# --- the heartbeat of /healthz ------------------------------------------------------------------
def finished_task(*, ago: dt.timedelta, success: bool = True, cluster: str | None = "orderhub"):
    """A result row as django-q2's monitor saves it (``cluster`` empty for inline tasks)."""
    stopped = timezone.now() - ago
    return Task.objects.create(id=uuid.uuid4().hex, name=f"task-{uuid.uuid4().hex[:8]}",
                               func="orders.tasks.sla_sweep_task", started=stopped,
                               stopped=stopped, success=success, cluster=cluster)


@pytest.mark.django_db
def test_no_heartbeat_before_a_worker_ever_ran():
    assert worker_heartbeat_age() is None


@pytest.mark.django_db
def test_the_heartbeat_is_the_newest_success_of_a_real_worker():
    # given a success by the cluster 5 minutes ago, then a failure, and an inline success
    finished_task(ago=dt.timedelta(minutes=9))
    finished_task(ago=dt.timedelta(minutes=5))
    finished_task(ago=dt.timedelta(minutes=1), success=False)
    finished_task(ago=dt.timedelta(seconds=10), cluster=None)
    # when the age is read
    age = worker_heartbeat_age()
    # then it is the cluster's newest success
    assert dt.timedelta(minutes=5) <= age < dt.timedelta(minutes=5, seconds=30)


@pytest.mark.django_db
def test_a_worker_clock_ahead_gives_age_zero():
    finished_task(ago=dt.timedelta(seconds=-20))
    assert worker_heartbeat_age() == dt.timedelta(0)


@pytest.mark.django_db
def test_tasks_run_inline_are_no_heartbeat():
    # given the tests' inline tasks (Q_CLUSTER sync), as Q_SYNC=1 would run them in production
    # when a task runs inline, and succeeds
    task_id = async_task("django.contrib.auth.models.Group.objects.count")
    # then its result is saved, but it never passed through a worker
    assert Task.objects.get(id=task_id).success is True
    assert worker_heartbeat_age() is None


def test_successful_results_are_kept_and_pruned():
    # the heartbeat reads the newest success: django-q2 must save them (>= 0) and prune (not 0)
    assert settings.Q_CLUSTER["save_limit"] > 0
