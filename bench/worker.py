"""Background worker benchmark: tasks per second done by a real ``manage.py qcluster`` on
PostgreSQL, as production starts it (``DB_POOL`` as the environment says, on by default).

Run on a PostgreSQL database of its own (created if missing and migrated; its task queue is
emptied at every run)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderhub_bench_worker \\
        .venv/bin/python -m bench.worker

One scenario, queued first and then drained by a fresh ``qcluster`` (``--workers`` workers,
django-q2's ORM broker on the same database): ``--tasks`` calls of :func:`probe` (one indexed
read), the cost of the queue itself. Paid orders are no longer a task each: their decisions
are event tasks run by the dispatcher, which ``bench.fulfilment`` times with a real worker.

The clock runs from the start of ``qcluster`` until the queue is empty (a task leaves the queue
once its result is saved). The cluster is stopped after ``--limit`` seconds (25) whatever is
left: its scheduler first wakes 30 s after the start, so the hub's own schedules never run on
the benchmark's database. The reference is the same tasks run inline by django-q2 (``sync``)
in this one process: the same worker and monitor code and the same result rows, without the
broker and the processes.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from bench.common import (REPO_ROOT, database_url, ensure_database, fail, setup_django,
                          worker_environment)

STOP_GRACE_SECONDS = 10
# libpq's application name for the cluster's sessions, to count them.
APPLICATION_NAME = "orderhub-bench-qcluster"


def probe(number: int) -> bool:
    """The small task: one indexed read, as a task that re-fetches its order does."""
    from orders.models import Order

    return Order.objects.filter(pk=number).exists()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=600, help="small tasks queued")
    parser.add_argument("--workers", type=int, default=2, help="Q_WORKERS of the qcluster")
    parser.add_argument("--limit", type=float, default=25.0,
                        help="seconds before the cluster is stopped (keep below 30)")
    return parser.parse_args()


# --- preparing ------------------------------------------------------------------------------------
def empty_queue() -> None:
    """Start from an empty queue and no results: the counts below are this run's alone."""
    from django_q.models import OrmQ, Task

    OrmQ.objects.all().delete()
    Task.objects.all().delete()


# --- running --------------------------------------------------------------------------------------
@dataclass
class Run:
    name: str
    queued: int
    done: int
    failed: int
    seconds: float
    first_done: float | None = None
    connections: int = 0

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0


def queue_length() -> int:
    from django_q.models import OrmQ

    return OrmQ.objects.count()


def failures() -> int:
    from django_q.models import Task

    return Task.objects.filter(success=False).count()


def cluster_connections() -> int:
    """The cluster's sessions on this database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [APPLICATION_NAME],
        )
        return cursor.fetchone()[0]


def drain(name: str, workers: int, limit: float) -> Run:
    """Start ``manage.py qcluster``, time it until the queue is empty, stop it."""
    queued = queue_length()
    env = worker_environment(Q_WORKERS=str(workers), LOG_LEVEL="INFO",
                             PGAPPNAME=APPLICATION_NAME)
    log = tempfile.TemporaryFile(mode="w+")
    started = time.perf_counter()
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=REPO_ROOT, env=env,
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    first_done = None
    left = queued
    connections = 0
    try:
        while left and time.perf_counter() - started < limit:
            time.sleep(0.1)
            left = queue_length()
            if first_done is None and left < queued:
                first_done = time.perf_counter() - started
        seconds = time.perf_counter() - started
        connections = cluster_connections()
    finally:
        stop(cluster)
    run = Run(name, queued, queued - left, failures(), seconds, first_done, connections)
    if run.done < queued:
        log.seek(0)
        tail = log.read()[-3000:]
        print(f"\n{name}: the cluster left {left} of {queued} tasks; the end of its log:\n{tail}")
    return run


def stop(cluster: subprocess.Popen) -> None:
    """SIGTERM (qcluster stops its own processes), then SIGKILL to the whole group."""
    if cluster.poll() is None:
        cluster.send_signal(signal.SIGTERM)
        try:
            cluster.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            print("qcluster did not stop on SIGTERM; killing its process group")
    try:
        os.killpg(cluster.pid, signal.SIGKILL)  # orphaned children, if any
    except ProcessLookupError:
        pass
    cluster.wait()


def inline(name: str, tasks: list[tuple[str, int]]) -> Run:
    """The reference: the same tasks run inline by django-q2 in this process."""
    from django_q.tasks import async_task

    started = time.perf_counter()
    for func, argument in tasks:
        async_task(func, argument, sync=True)
    return Run(name, len(tasks), len(tasks), failures(), time.perf_counter() - started)


def report(cluster: Run, reference: Run, workers: int) -> None:
    first = f", first done after {cluster.first_done:.1f} s" if cluster.first_done else ""
    print(f"\n{cluster.name}: {cluster.done:,} of {cluster.queued:,} done in "
          f"{cluster.seconds:.1f} s by qcluster ({workers} workers{first}), "
          f"{cluster.failed} failed")
    print(f"  qcluster  {cluster.rate:8.1f} tasks/s   (database sessions of the cluster: "
          f"{cluster.connections})")
    print(f"  inline    {reference.rate:8.1f} tasks/s   (reference: {reference.done:,} run by "
          f"django-q2 in this process, {reference.seconds:.1f} s)")
    print(f"  ratio     {cluster.rate / reference.rate:8.2f}")


def main() -> None:
    args = parse_args()
    url = database_url()
    if "bench" not in url.rsplit("/", 1)[-1]:
        fail("bench.worker truncates tables: use a database whose name contains 'bench'.")
    ensure_database(url)
    os.environ["Q_SYNC"] = "0"  # tasks are queued for the cluster
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"DB_POOL={os.environ.get('DB_POOL', '') or 'on (default)'}, "
          f"{args.workers} workers")

    # small tasks
    empty_queue()
    from django_q.tasks import async_task

    for number in range(args.tasks):
        async_task("bench.worker.probe", number)
    small = drain("small tasks", args.workers, args.limit)
    empty_queue()
    report(small, inline("small tasks", [("bench.worker.probe", n) for n in range(args.tasks)]),
           args.workers)


if __name__ == "__main__":
    main()
