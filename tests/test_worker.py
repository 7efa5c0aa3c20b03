"""The background worker (django-q2's ``qcluster``) as production runs it.

The rest of the suite runs tasks inline (``orderhub/test_settings.py``), which hides every
failure of the real worker (PITFALLS.md). On any database: the connection settings each
process gets, and the worker heartbeat that ``/healthz`` reads. On PostgreSQL: a real
``manage.py qcluster``, started as production starts it (README, Production notes), decides
paid orders and runs a due schedule.
"""
from __future__ import annotations

import datetime as dt
import os
import runpy
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Schedule, Success, Task
from django_q.tasks import async_task

from logistics.models import FulfilmentDecision, FulfilmentRule, Reservation, Warehouse
from logistics.services.stock import stock_receive
from orderhub.core.selectors import worker_heartbeat_age
from orderhub.events.models import EventTask
from orders.services import order_pay
from tests.conftest import requires_postgres
from tests.factories import OrderLineFactory

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


# --- a real qcluster (PostgreSQL) ---------------------------------------------------------------
# The cluster's sessions carry this name (libpq's PGAPPNAME), so the test can see them go.
APPLICATION_NAME = "orderhub-test-qcluster"
STOP_GRACE_SECONDS = 10
LOG_TAIL_CHARS = 6000
PAID_ORDERS = 20
WORKERS = 2
SCHEDULE_NAME = "worker test"


@dataclass
class Cluster:
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        """The end of what qcluster printed (its log, at INFO)."""
        return self.log_path.read_text(errors="replace")[-LOG_TAIL_CHARS:]

    def wait_for(self, what: str, check: Callable[[], bool], *, seconds: float) -> None:
        """Poll ``check`` until it holds; fail with the cluster's log after ``seconds``."""
        deadline = time.monotonic() + seconds
        while not check():
            if self.process.poll() is not None:
                pytest.fail(f"qcluster exited (code {self.process.returncode}) before {what}."
                            f"\nIts log:\n{self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"No {what} within {seconds:g} s.\nqcluster's log:\n{self.log()}")
            time.sleep(0.2)


def worker_database_url() -> str:
    """``DATABASE_URL`` with the test database's name in it (its options kept)."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return url._replace(path="/" + quote(connection.settings_dict["NAME"])).geturl()


def cluster_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND application_name = %s",
                       [APPLICATION_NAME])
        return cursor.fetchone()[0]


def stop(process: subprocess.Popen) -> bool:
    """SIGTERM (qcluster stops its own processes), then SIGKILL to its whole process group;
    ``True`` if it stopped on SIGTERM."""
    stopped = process.poll() is not None
    if not stopped:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_GRACE_SECONDS)
            stopped = True
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # what is left of it: children, or all of it
    except ProcessLookupError:
        pass
    process.wait()
    return stopped


@pytest.fixture
def qcluster(transactional_db, tmp_path, monkeypatch):
    """``manage.py qcluster`` on the test database, with the production settings (pool on)."""
    # A production key of its own (the worker refuses the development one with DEBUG off); the
    # tasks this process queues are signed with it, as a web server sharing the key signs them.
    secret_key = "worker-test-" + secrets.token_urlsafe(48)
    monkeypatch.setattr(Conf, "SECRET_KEY", secret_key)
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "orderhub.settings",
        "DATABASE_URL": worker_database_url(),
        "DB_POOL": "1",
        # Production refuses the development key (orderhub/core/startup.py), the worker too.
        "DEBUG": "0",
        "SECRET_KEY": secret_key,
        "Q_SYNC": "0",
        "Q_WORKERS": str(WORKERS),
        "LOG_LEVEL": "INFO",
        "PGAPPNAME": APPLICATION_NAME,
    }
    log_path = tmp_path / "qcluster.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=environ,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    cluster = Cluster(process, log_path)
    try:
        yield cluster
    finally:
        stopped = stop(process)
        # Every session must be gone, or pytest-django cannot drop the test database.
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while cluster_sessions() and time.monotonic() < deadline:
            time.sleep(0.2)
        left = cluster_sessions()
        if left:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND application_name = %s",
                               [APPLICATION_NAME])
        assert not left, f"qcluster left {left} session(s) open.\nIts log:\n{cluster.log()}"
        # A deployment restarts the worker with SIGTERM, and `make demo` stops it so.
        assert stopped, (f"qcluster did not stop within {STOP_GRACE_SECONDS} s of SIGTERM."
                         f"\nIts log:\n{cluster.log()}")


def schedule_probe(marker: str) -> None:
    """Run by the worker from the test's schedule: leaves a row that the test can see."""
    Group.objects.create(name=marker)


@pytest.mark.postgres
@requires_postgres("a real qcluster on the production settings")
def test_a_real_qcluster_decides_paid_orders_and_runs_a_due_schedule(qcluster, monkeypatch):
    """About 35 s: django-q2 1.11's scheduler first wakes 30 s after the cluster starts (a
    literal 30 in ``Sentinel.guard``; ``guard_cycle`` only sets the step it counts in).

    Twenty orders, not one: processes that share a connection (the pool of the issue) can get
    one task through by luck, but not twenty while the pusher polls and the monitor saves.
    """
    # given tasks that go to the broker, as in production (the suite runs them inline)
    monkeypatch.setattr(Conf, "SYNC", False)
    # and one schedule, due now, alone (the migrations' schedules would run sweeps too)
    marker = f"worker-test-{uuid.uuid4().hex[:8]}"
    Schedule.objects.all().delete()
    Schedule.objects.create(name=SCHEDULE_NAME, func="tests.test_worker.schedule_probe",
                            args=repr(marker), schedule_type=Schedule.MINUTES, minutes=1,
                            next_run=timezone.now())
    # and stock in the one active warehouse, no rules, and unpaid orders for 2 units each
    Warehouse.objects.update(is_active=False)
    FulfilmentRule.objects.update(is_active=False)
    warehouse = Warehouse.objects.create(code="W1", name="Worker test", priority=1)
    stock = stock_receive(warehouse=warehouse, sku="SKU-W", quantity=PAID_ORDERS * 2 + 5,
                          actor=None, reason="opening stock")
    orders = [OrderLineFactory(sku="SKU-W", quantity=2, unit_price=Decimal("10.00"),
                               amount=Decimal("20.00")).order for _ in range(PAID_ORDERS)]

    # when they are paid, one by one (each payment's event is dispatched once it commits)
    for order in orders:
        order_pay(order=order, actor=None, reason="paid in the worker test")

    # then the worker decides every one and reserves its stock
    decided = FulfilmentDecision.objects.filter(order__in=orders)
    qcluster.wait_for(f"decision on all {PAID_ORDERS} paid orders",
                      lambda: decided.count() == PAID_ORDERS, seconds=30)
    assert set(decided.values_list("outcome", flat=True)) == {"allocated"}
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved) == (PAID_ORDERS * 2 + 5, PAID_ORDERS * 2)
    assert Reservation.objects.filter(order__in=orders, stock=stock,
                                      status="reserved").count() == PAID_ORDERS
    # and every event task of the payments is done (handled once, marked in the same commit)
    tasks = EventTask.objects.filter(order_id__in=[order.pk for order in orders],
                                     handler="logistics.stock")
    assert tasks.count() == PAID_ORDERS
    qcluster.wait_for(f"all {PAID_ORDERS} event tasks done",
                      lambda: not tasks.exclude(status="done").exists(), seconds=10)
    assert set(tasks.values_list("attempts", flat=True)) == {1}
    # and the schedule fires once the scheduler wakes, and its task runs
    qcluster.wait_for("run of the due schedule",
                      lambda: Group.objects.filter(name=marker).exists(), seconds=60)
    qcluster.wait_for("result of the schedule's task", Success.objects.filter(
        group=SCHEDULE_NAME, cluster=settings.Q_CLUSTER["name"]).exists, seconds=10)
    # and /healthz would see a worker that has just run
    assert worker_heartbeat_age() < dt.timedelta(seconds=10)
    # and the cluster holds at most a connection per process (README, Production notes):
    # its workers, monitor, pusher and scheduler
    assert cluster_sessions() <= WORKERS + 3
