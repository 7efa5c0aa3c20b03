"""Serving benchmark (issue 9, DESIGN.md section 6): the peak day pushed over HTTP into a database
that already holds a million orders, while customer service looks orders up by phone.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderhub_bench \\
        .venv/bin/python -m bench.serve [--setups before,production]

It works on a copy: ``<name>_serve`` made from the database given (``CREATE DATABASE …
TEMPLATE``, retried while someone is connected to the source) and kept for the next run (drop it
with ``dropdb -h 127.0.0.1 -U postgres orderhub_bench_serve``); a database whose name already
holds ``_serve`` is used as it is. It pushes orders into it: never point it at a database you
work in.

For each serving set-up, the servers are started exactly as the README's production notes
start them (gunicorn, ``DEBUG=0``, ``SECRET_KEY`` set, Django's pool on, no ``--preload``), with
one ``manage.py qcluster`` running for the whole benchmark as production runs it (it decides
the pushed orders meanwhile, as it would). Then:

1. quiet: lookups by phone at ``--lookup-rate`` per second for ``--quiet-seconds``, nothing else
   running;
2. the peak: the 12,437-order peak day of ``bench/ingest.py`` (its eight channels, their own
   formats and shares), in pages of ``--page`` orders, pushed ``--uploads`` at a time to
   ``POST /api/channels/<code>/orders/`` with an integrator's token, while the lookups go on at
   the same rate. The clock runs from the first push to the last answer.

A lookup is ``GET /api/orders/?q=<phone>`` with a customer-service token, as the order list of
the API answers it, for the phone of an existing order drawn at random; each is timed from the
moment it was due (a steady, open-loop rate: a lookup that waits for a free server is counted
with its wait). Lookups due during the peak are the peak's. Every set-up pushes a peak day of
orders of its own (new channel order numbers), so each one creates 12,437 orders; the worker is
left to finish one set-up's orders before the next starts, and the hub's schedules are postponed
in the copy so that a 30-minute sweep over a million orders does not land inside one set-up's
peak and not another's.

Set-ups (``--setups``, in the order given; the first is the same-run reference):

- ``before``: the README's set-up before this benchmark, one pool for everything,
  ``gunicorn orderhub.wsgi --workers 2`` (sync workers, one per core);
- ``web-only``: the web pool of ``orderhub/gunicorn.conf.py`` alone taking everything (gthread
  workers), without the channels pool;
- ``production``: the README's set-up now, the two pools of ``orderhub/gunicorn.conf.py``
  (``/api/channels/`` to the channels pool, the rest to the web pool, as the reverse proxy
  routes them).

Targets: the peak day taken in ≤ 5 s; lookups p95 ≤ 30 ms during the peak (and when quiet).
Exit status 1 when the last set-up misses a target.
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import queue
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import dj_database_url
import psycopg
from psycopg import sql

from bench import common

PEAK_TARGET_SECONDS = 5.0  # issue 9: the peak day into a million orders
LOOKUP_TARGET_MS = 30.0  # DESIGN.md section 6: customer-service lookup, p95
OWN_SUFFIX = "_serve"
SERVER_START_SECONDS = 60
STOP_GRACE_SECONDS = 35  # gunicorn's graceful_timeout is 30 s
# A run's channel order numbers: a block of its own (a sequence in the copy), so every set-up
# pushes new orders, never re-deliveries of an earlier run's.
BLOCK_SIZE = 50_000
WARMUP_PER_CHANNEL = 4


# --- the database ---------------------------------------------------------------------------------
def own_copy(url: str, *, fresh: bool, wait_seconds: float = 600) -> str:
    """The URL of the benchmark's own copy of the database in ``url`` (see the module's doc)."""
    name = common.database_name(url)
    if OWN_SUFFIX in name:
        return url
    copy = f"{name}{OWN_SUFFIX}"
    params = dj_database_url.parse(url)
    conninfo = {"host": params.get("HOST") or None, "port": params.get("PORT") or None,
                "user": params.get("USER") or None, "password": params.get("PASSWORD") or None}
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [copy]).fetchone()
        if exists and fresh:
            print(f"dropping {copy} (--fresh)")
            admin.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(copy)))
            exists = None
        if not exists:
            print(f"copying {name} into {copy} (a copy is taken while nobody is connected to "
                  f"{name}; retrying for up to {wait_seconds:.0f} s)", flush=True)
            started = time.perf_counter()
            while True:
                try:
                    admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(copy), sql.Identifier(name)))
                    break
                except psycopg.errors.ObjectInUse:
                    if time.perf_counter() - started > wait_seconds:
                        common.fail(f"{name} stayed in use for {wait_seconds:.0f} s; try later.")
                    time.sleep(5)
            print(f"  copied in {time.perf_counter() - started:.0f} s")
    return url.rsplit("/", 1)[0] + f"/{copy}"


def postpone_schedules(minutes: int = 120) -> None:
    """Move every schedule of the copy past the benchmark (see the module's doc)."""
    from django.utils import timezone
    from django_q.models import Schedule

    Schedule.objects.update(next_run=timezone.now() + timezone.timedelta(minutes=minutes))


def next_block() -> int:
    """A fresh block of channel order numbers for this set-up's peak day."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE SEQUENCE IF NOT EXISTS bench_serve_block")
        cursor.execute("SELECT nextval('bench_serve_block')")
        block = cursor.fetchone()[0]
    if block >= 160:  # 7-digit numbers below bench/ingest.py's 9,000,000
        common.fail("the copy has had 160 runs; drop it and start from a fresh copy (--fresh).")
    return 1_000_000 + (block - 1) * BLOCK_SIZE


def backlog() -> int:
    """Work the worker has not done yet: queued django-q2 tasks and pending event tasks."""
    from django_q.models import OrmQ

    from orderhub.events.models import EventTask

    return OrmQ.objects.count() + EventTask.objects.filter(status="pending").count()


def wait_for_worker(limit: float) -> float:
    """Seconds until the worker has done everything queued (or ``limit``)."""
    started = time.perf_counter()
    while backlog() and time.perf_counter() - started < limit:
        time.sleep(0.5)
    return time.perf_counter() - started


# --- CPU: what the work cost, whatever else the machine was doing ----------------------------------
def _stat(pid: str) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def session_cpu(session: int) -> float:
    """CPU seconds of every live process of a session (a pool's master and its workers, which
    ``start_new_session`` puts in one), with what its exited children used."""
    ticks = 0
    for pid in os.listdir("/proc"):
        fields = pid.isdigit() and _stat(pid)
        if fields and int(fields[3]) == session:
            ticks += sum(int(value) for value in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def backends_cpu(application: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL session a pool opened (libpq's PGAPPNAME), by pid; empty
    when the database runs on another machine."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                       [application])
        pids = [row[0] for row in cursor.fetchall()]
    seconds = {}
    for pid in pids:
        fields = _stat(str(pid))
        if fields:
            seconds[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


# --- the servers ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(database: str) -> dict[str, str]:
    """The environment of the README's production notes, for this copy."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DB_POOL", "Q_", "ORDERHUB_POOL", "GUNICORN"))}
    env.update({
        "DATABASE_URL": database, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "localhost,127.0.0.1", "DJANGO_SETTINGS_MODULE": "orderhub.settings",
        "Q_SYNC": "0", "PYTHONUNBUFFERED": "1",
    })
    return env


@dataclass
class Pool:
    """One gunicorn (or qcluster) process started as the README says."""

    name: str  # also its PostgreSQL sessions' application_name: bench-serve-<name>
    argv: list[str]
    env: dict[str, str]
    port: int | None = None
    process: subprocess.Popen | None = None
    log: object = None

    @property
    def application(self) -> str:
        return f"bench-serve-{self.name}"

    def cpu(self) -> tuple[float, dict[int, float]]:
        """(CPU seconds of its processes, of its PostgreSQL sessions by pid) so far."""
        return session_cpu(self.process.pid), backends_cpu(self.application)

    def start(self) -> None:
        # Kept after the run: a refused push or a lookup's error is explained in it.
        self.log = tempfile.NamedTemporaryFile(mode="w+", prefix=f"bench-serve-{self.name}-",
                                               suffix=".log", delete=False)
        self.process = subprocess.Popen(self.argv, cwd=common.REPO_ROOT,
                                        env={**self.env, "PGAPPNAME": self.application},
                                        stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_ready(self) -> None:
        """Until the server answers ``/healthz`` (200 or 503: it serves)."""
        started = time.perf_counter()
        while time.perf_counter() - started < SERVER_START_SECONDS:
            if self.process.poll() is not None:
                break
            try:
                status, _ = request("GET", self.port, "/healthz", timeout=5)
                if status in (200, 503):
                    return
            except OSError:
                pass
            time.sleep(0.25)
        self.stop()
        self.log.seek(0)
        common.fail(f"{self.name} did not start: {' '.join(self.argv)}\n{self.log.read()[-3000:]}")

    def stop(self) -> None:
        """SIGTERM (gunicorn and qcluster stop their workers), then SIGKILL to the group."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                print(f"{self.name} did not stop on SIGTERM; killing its process group")
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


GUNICORN = [sys.executable, "-m", "gunicorn"]
CONFIG = "orderhub/gunicorn.conf.py"


@dataclass
class SetUp:
    name: str
    description: str
    pools: list[Pool]
    push_port: int
    lookup_port: int


def make_setup(name: str, env: dict[str, str]) -> SetUp:
    """The commands of one set-up; ports are free ones (the README's are 8000 and 8001)."""
    if name == "before":
        port = free_port()
        pool = Pool("one-pool", [*GUNICORN, "orderhub.wsgi", "--workers", "2",
                                            "--bind", f"127.0.0.1:{port}"], env, port)
        return SetUp(name, "one pool for everything: gunicorn orderhub.wsgi --workers 2 (sync)",
                     [pool], port, port)
    web_port = free_port()
    web = Pool("web", [*GUNICORN, "-c", CONFIG, "--bind", f"127.0.0.1:{web_port}"],
               {**env, "ORDERHUB_POOL": "web"}, web_port)
    if name == "web-only":
        return SetUp(name, f"the web pool of {CONFIG} alone takes everything", [web],
                     web_port, web_port)
    if name == "production":
        channels_port = free_port()
        channels = Pool("channels",
                        [*GUNICORN, "-c", CONFIG, "--bind", f"127.0.0.1:{channels_port}"],
                        {**env, "ORDERHUB_POOL": "channels"}, channels_port)
        return SetUp(name, f"the README's two pools ({CONFIG}): /api/channels/ to the channels "
                           f"pool, the rest to the web pool", [web, channels], channels_port,
                     web_port)
    common.fail(f"unknown set-up {name!r}: before, web-only or production")
    raise AssertionError  # fail() exits


def describe_pools() -> str:
    """The pools' numbers as orderhub/gunicorn.conf.py states them."""
    import runpy

    pools = runpy.run_path(str(common.REPO_ROOT / CONFIG))["POOLS"]
    return "; ".join(f"{name}: {p['workers']} {p['worker_class']} workers x {p['threads']} "
                     f"threads" for name, p in pools.items())


# --- HTTP clients -----------------------------------------------------------------------------------
def request(method: str, port: int, path: str, *, body: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 120) -> tuple[int, bytes]:
    """One request on a new connection (as a browser behind a proxy or an integrator would)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body,
                           headers={"Host": "localhost", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Lookup:
    due: float  # perf_counter seconds
    ms: float
    status: int
    found: bool


class LookupLoad:
    """Customer service: a lookup by phone every 1/rate seconds, each on a thread of its own
    (so that one slow answer does not delay the next), timed from when it was due.

    When the servers fall behind, lookups queue here as they would in browsers. A lookup still
    waiting for a thread when the phase ends, or not answered within ``TIMEOUT`` seconds, is
    counted as unanswered with the wait so far (a lower bound), so a saturated set-up cannot
    look better by leaving its slowest lookups out."""

    TIMEOUT = 30.0

    def __init__(self, port: int, token: str, phones: Sequence[str], rate: float) -> None:
        self.port, self.token, self.phones, self.rate = port, token, phones, rate
        self.results: list[Lookup] = []
        self._stopped = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next = 0

    def one(self, phone: str, due: float) -> None:
        if self._stop.is_set():  # the phase ended while it waited for a thread
            self.results.append(Lookup(due, (self._stopped - due) * 1000, 0, False))
            return
        try:
            status, body = request("GET", self.port, f"/api/orders/?q={phone}",
                                   headers={"Authorization": f"Token {self.token}"},
                                   timeout=self.TIMEOUT)
        except OSError:  # no answer in time
            status, body = 0, b"{}"
        ms = (time.perf_counter() - due) * 1000
        found = status == 200 and bool(json.loads(body).get("results"))
        self.results.append(Lookup(due, ms, status, found))

    def _run(self) -> None:
        with ThreadPoolExecutor(max_workers=32) as pool:
            due = time.perf_counter()
            while not self._stop.is_set():
                phone = self.phones[self._next % len(self.phones)]
                self._next += 1
                pool.submit(self.one, phone, due)
                due += 1 / self.rate
                time.sleep(max(0.0, due - time.perf_counter()))

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> list[Lookup]:
        self._stopped = time.perf_counter()
        self._stop.set()
        self._thread.join()  # the executor waits for the lookups in flight
        results, self.results = self.results, []
        return results


def push_all(port: int, token: str, pages: list[tuple[str, bytes, str]], uploads: int,
             ) -> tuple[int, float, float]:
    """Push the pages ``uploads`` at a time; (orders created, start, end) in perf_counter."""
    todo: queue.Queue = queue.Queue()
    for page in pages:
        todo.put(page)
    created: list[int] = []
    errors: list[str] = []

    def uploader() -> None:
        while True:
            try:
                code, body, content_type = todo.get_nowait()
            except queue.Empty:
                return
            status, answer = request("POST", port, f"/api/channels/{code}/orders/", body=body,
                                     headers={"Authorization": f"Token {token}",
                                              "Content-Type": content_type})
            if status != 200:
                errors.append(f"{code}: {status} {answer[:300]!r}")
                return
            created.append(json.loads(answer)["created"])

    threads = [threading.Thread(target=uploader) for _ in range(uploads)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ended = time.perf_counter()
    if errors:
        common.fail("a push was refused: " + "; ".join(errors[:3]))
    return sum(created), started, ended


# --- figures ------------------------------------------------------------------------------------------
def lookup_figures(name: str, lookups: list[Lookup]) -> common.Figures:
    refused = [look for look in lookups if look.status not in (0, 200)]
    if refused:
        common.fail(f"{len(refused)} lookups answered {refused[0].status}")
    unanswered = sum(1 for look in lookups if look.status == 0)
    if unanswered:
        name += f" ({unanswered} unanswered)"
    if not lookups:
        common.fail(f"no lookups in '{name}': raise --lookup-rate")
    timings = [look.ms for look in lookups]
    return common.Figures(name=name, samples=len(timings), p50=common.percentile(timings, 50),
                          p95=common.percentile(timings, 95), max=max(timings),
                          mean=sum(timings) / len(timings), target_p95=LOOKUP_TARGET_MS)


@dataclass
class Result:
    setup: SetUp
    orders: int
    seconds: float
    quiet: common.Figures
    peak: common.Figures
    worker_seconds: float
    load: tuple[float, float] = field(default=(0.0, 0.0))
    cpu: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.orders / self.seconds

    @property
    def peak_verdict(self) -> str:
        return "PASS" if self.seconds <= PEAK_TARGET_SECONDS else "FAIL"

    @property
    def passed(self) -> bool:
        return (self.peak_verdict, self.quiet.verdict, self.peak.verdict) == ("PASS",) * 3


def print_result(result: Result) -> None:
    print(f"  peak day: {result.orders:,} orders in {result.seconds:.2f} s = "
          f"{result.rate:,.0f} orders/s   (target <= {PEAK_TARGET_SECONDS:g} s: "
          f"{result.peak_verdict})")
    for figures in (result.quiet, result.peak):
        print(f"  {figures.name:<22} n={figures.samples:<4} p50 {figures.p50:7.1f}  "
              f"p95 {figures.p95:7.1f}  max {figures.max:7.1f} ms   (target p95 <= "
              f"{LOOKUP_TARGET_MS:g} ms: {figures.verdict})")
    total = sum(python + postgres for python, postgres in result.cpu.values())
    parts = ", ".join(f"{name} {python:.1f} + PostgreSQL {postgres:.1f}"
                      for name, (python, postgres) in result.cpu.items())
    print(f"  CPU during the peak: {total:.1f} s ({parts}) in {result.seconds:.2f} s on "
          f"{os.cpu_count()} cores: on a machine doing nothing else, at least "
          f"{total / os.cpu_count():.2f} s")
    print(f"  the worker decided the rest {result.worker_seconds:.1f} s after the last push; "
          f"load average {result.load[0]:.1f} before, {result.load[1]:.1f} after", flush=True)


def print_summary(results: list[Result]) -> None:
    reference = results[0]
    print()
    print(f"{'set-up':<12} {'peak day s':>10} {'orders/s':>9} {'quiet p95':>10} "
          f"{'peak p50':>9} {'peak p95':>9} {'peak max':>9}  vs {reference.setup.name}")
    for result in results:
        ratio = (f"{reference.seconds / result.seconds:.2f}x faster, lookups p95 "
                 f"{reference.peak.p95 / result.peak.p95:.1f}x lower"
                 if result is not reference else "(same-run reference)")
        print(f"{result.setup.name:<12} {result.seconds:>10.2f} {result.rate:>9,.0f} "
              f"{result.quiet.p95:>10.1f} {result.peak.p50:>9.1f} {result.peak.p95:>9.1f} "
              f"{result.peak.max:>9.1f}  {ratio}")
    print(f"targets: peak day <= {PEAK_TARGET_SECONDS:g} s, lookups p95 <= "
          f"{LOOKUP_TARGET_MS:g} ms (ms are from when each lookup was due)")


# --- the run ------------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setups", default="before,production",
                        help="comma-separated: before, web-only, production (first = reference)")
    parser.add_argument("--orders", type=int, default=12_437)
    parser.add_argument("--page", type=int, default=500, help="orders per upload")
    parser.add_argument("--uploads", type=int, default=2, help="uploads at a time")
    parser.add_argument("--lookup-rate", type=float, default=10.0,
                        help="lookups per second (a customer-service team of 30-50 on a "
                             "promotion day, each looking an order up every 3-5 s)")
    parser.add_argument("--quiet-seconds", type=float, default=15.0)
    parser.add_argument("--drain-limit", type=float, default=180.0,
                        help="seconds to wait for the worker between set-ups")
    parser.add_argument("--fresh", action="store_true", help="copy the database again")
    parser.add_argument("--seed", type=int, default=20260128)
    return parser.parse_args(argv)


def peak_pages(specs: list[dict], base: int, page: int) -> tuple[list, list]:
    """The day's pages and a warm-up page per channel, with channel order numbers from ``base``
    and buyers of their own (new phones and platform ids): a buyer of an earlier set-up's day
    would be a known customer with orders that day, and identity matching and the duplicate
    check would have more to do for the later set-ups than for the first."""
    import random

    from bench.ingest import _requests

    rng = random.Random(base)
    buyers: dict[int, dict] = {}

    serial = itertools.count()

    def fresh(person: dict) -> dict:
        return {**person, "phone": f"13{rng.randrange(10**9):09d}",
                "uid": f"u{base // BLOCK_SIZE:03d}{next(serial):07d}"}

    def buyer(person: dict) -> dict:  # the day's people live as long as ``specs``
        if id(person) not in buyers:
            buyers[id(person)] = fresh(person)
        return buyers[id(person)]

    day = [{**spec, "no": str(base + index), "person": buyer(spec["person"])}
           for index, spec in enumerate(specs)]
    warm: list[dict] = []
    for code in sorted({spec["channel"] for spec in specs}):
        warm += [{**spec, "no": str(base + BLOCK_SIZE - 1 - len(warm) - n),
                  "person": fresh(spec["person"])}  # a buyer of its own
                 for n, spec in enumerate([s for s in specs if s["channel"] == code]
                                          [:WARMUP_PER_CHANNEL])]
    return _requests(day, page), _requests(warm, 2)


def cpu_used(pools: list[Pool], before: dict) -> dict[str, tuple[float, float]]:
    """CPU seconds each pool (and its PostgreSQL sessions) used since ``before`` (its
    ``cpu()`` then): new sessions count whole."""
    used = {}
    for pool in pools:
        processes, backends = pool.cpu()
        then_processes, then_backends = before[pool.name]
        used[pool.name] = (processes - then_processes,
                           sum(cpu - then_backends.get(pid, 0.0) for pid, cpu in backends.items()))
    return used


def run_setup(setup: SetUp, args: argparse.Namespace, specs: list[dict], push_token: str,
              lookups: LookupLoad, worker: Pool) -> Result:
    base = next_block()
    pages, warmup = peak_pages(specs, base, args.page)
    print(f"\n== {setup.name}: {setup.description}")
    for pool in setup.pools:
        pool.start()
        print(f"  $ {'ORDERHUB_POOL=' + pool.env['ORDERHUB_POOL'] + ' ' if 'ORDERHUB_POOL' in pool.env else ''}"
              f"gunicorn {' '.join(pool.argv[len(GUNICORN):])}   (log: {pool.log.name})")
    try:
        for pool in setup.pools:
            pool.wait_ready()
        # Warm-up: each worker imports its code on its first requests, as after a deploy.
        push_all(setup.push_port, push_token, warmup, args.uploads)
        lookups.port = setup.lookup_port
        lookups.start()
        time.sleep(2)
        lookups.stop()
        wait_for_worker(args.drain_limit)
        load_before = os.getloadavg()[0]
        lookups.start()
        time.sleep(args.quiet_seconds)
        quiet = lookup_figures("lookups when quiet", lookups.stop())
        watched = [*setup.pools, worker]
        cpu_before = {pool.name: pool.cpu() for pool in watched}
        lookups.start()
        created, started, ended = push_all(setup.push_port, push_token, pages, args.uploads)
        cpu = cpu_used(watched, cpu_before)
        during = [look for look in lookups.stop() if started <= look.due <= ended]
        peak = lookup_figures("lookups during the peak", during)
        load_after = os.getloadavg()[0]
    finally:
        for pool in setup.pools:
            pool.stop()
    if created != args.orders:
        common.fail(f"{setup.name}: {created:,} orders created of {args.orders:,}")
    result = Result(setup, created, ended - started, quiet, peak,
                    wait_for_worker(args.drain_limit), (load_before, load_after), cpu)
    print_result(result)
    return result


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    url = own_copy(common.database_url(), fresh=args.fresh)
    os.environ["DATABASE_URL"] = url
    os.environ["DB_POOL"] = "0"  # this process: plain connections
    common.setup_django()
    import random

    from django.core.management import call_command
    from django.db import connections

    from bench.ingest import make_day, prepare_catalogue
    from bench.lookup import sample_orders
    from orders.models import Order

    call_command("migrate", verbosity=0)
    names = [name.strip() for name in args.setups.split(",") if name.strip()]
    env = production_env(url)
    setups = [make_setup(name, env) for name in names]
    rng = random.Random(args.seed)
    total = Order.objects.count()
    print(f"database {common.database_name(url)}: {total:,} orders; peak day {args.orders:,} "
          f"orders in uploads of {args.page}, {args.uploads} at a time; lookups by phone at "
          f"{args.lookup_rate:g}/s; {os.cpu_count()} cores")
    print(f"orderhub/gunicorn.conf.py: {describe_pools()}")
    phones = [row["receiver_phone"] for row in sample_orders(rng, 2_000)]
    specs = make_day(args.orders, rng, prepare_catalogue(rng))
    push_token = common.api_token("bench-erp", "integrator")
    lookups = LookupLoad(0, common.api_token("bench-cs", "customer_service"), phones,
                         args.lookup_rate)
    postpone_schedules()
    connections.close_all()
    worker = Pool("qcluster", [sys.executable, "manage.py", "qcluster"], env)
    print("$ manage.py qcluster   (the worker, for the whole run)")
    worker.start()
    results = []
    try:
        for setup in setups:
            results.append(run_setup(setup, args, specs, push_token, lookups, worker))
    finally:
        worker.stop()
    print_summary(results)
    print(f"\nThe copy {common.database_name(url)} is kept for the next run; drop it with "
          f"dropdb -h 127.0.0.1 -U postgres {common.database_name(url)}")
    if not results[-1].passed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
