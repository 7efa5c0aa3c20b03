"""Shared by the benchmarks: Django set-up on the bench database, timing and printing figures.

Run a benchmark from the repository root as a module, e.g.
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderhub_bench .venv/bin/python -m
bench.lookup``. Each one calls :func:`setup_django` before it imports any model.
"""
from __future__ import annotations

import os
import secrets
import statistics
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import django
import psycopg
from django.core.management import call_command
from psycopg import sql

REPO_ROOT = Path(__file__).resolve().parent.parent
SUGGESTED_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/orderhub_bench"


def fail(message: str) -> None:
    """Stop the benchmark with a message for the person running it (exit status 2)."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def database_url() -> str:
    """The ``DATABASE_URL`` to benchmark; refuses anything but PostgreSQL, with a hint."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        shown = url or "unset (the SQLite default)"
        fail(
            f"the benchmarks run on PostgreSQL only; DATABASE_URL is {shown}.\n"
            f"Use a database of its own, e.g.\n"
            f"  DATABASE_URL={SUGGESTED_DATABASE_URL} .venv/bin/python -m bench.load_orders"
        )
    return url


def database_name(url: str) -> str:
    return dj_database_url.parse(url)["NAME"]


def own_database_url(url: str, suffix: str) -> str:
    """A benchmark's own database: ``<name><suffix>`` next to the one given (``make bench``
    passes the shared bench database, whose million orders the other benchmarks need)."""
    name = database_name(url)
    return url if name.endswith(suffix) else url.rsplit("/", 1)[0] + f"/{name}{suffix}"


def setup_django_on_own_database(suffix: str) -> None:
    """Point ``DATABASE_URL`` at the benchmark's own database, then set Django up (before any
    model is imported)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        os.environ["DATABASE_URL"] = own_database_url(url, suffix)
    setup_django()


def ensure_database(url: str) -> None:
    """Create the bench database if it does not exist (like ``createdb``)."""
    params = dj_database_url.parse(url)
    name = params["NAME"]
    conninfo = {
        "host": params.get("HOST") or None, "port": params.get("PORT") or None,
        "user": params.get("USER") or None, "password": params.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            print(f"creating database {name}")
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare_own_database(suggested: str) -> str:
    """The benchmark's own database (see ``setup_django_on_own_database``), refused unless its
    name says "bench" (the benchmark empties its orders), created if missing and migrated."""
    url = database_url()
    name = database_name(url)
    if "bench" not in name:
        fail(f"this benchmark empties the orders of its database; {name!r} does not look like "
             f"a bench database. Use e.g. DATABASE_URL={suggested}")
    print(f"database {name} (its own: emptied and loaded by this benchmark)")
    ensure_database(url)
    call_command("migrate", verbosity=0)
    return url


def shown_url(url: str) -> str:
    """``url`` to print: its password, if any, starred."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def unapplied_migrations() -> list[str]:
    """The migrations the database Django is set up on still lacks (``app.name``), in order."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def require_migrated(url: str) -> None:
    """Stop, naming the command to run, when the database of ``url`` cannot be opened or lacks
    migrations. A benchmark that only reads never migrates the shared bench database itself: a
    migration can build an index over a million orders, which is for the person to start, not
    a side effect of a measurement."""
    from django.db import OperationalError

    name, shown = database_name(url), shown_url(url)
    try:
        missing = unapplied_migrations()
    except OperationalError as problem:
        fail(f"cannot open the bench database {name}: {str(problem).strip()}\n"
             f"Create, migrate and load it first:\n"
             f"  DATABASE_URL={shown} .venv/bin/python -m bench.load_orders")
    if missing:
        fail(f"the bench database {name} is not migrated ({len(missing)} migration(s) to "
             f"apply, from {missing[0]}). Migrate it first:\n"
             f"  DATABASE_URL={shown} .venv/bin/python manage.py migrate")


def setup_django_on_migrated_database() -> None:
    """Set Django up on the bench database (PostgreSQL only) and check that it is migrated,
    before any model is imported (the benchmarks that read what ``bench.load_orders`` made)."""
    url = database_url()
    setup_django()
    require_migrated(url)


def timed(label: str, call: Callable[[], object], *, width: int = 58) -> tuple[object, float]:
    """Call ``call`` once; print how long it took after ``label``; return its result and the
    seconds."""
    started = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - started
    print(f"  {label:<{width}} {seconds:8.2f} s", flush=True)
    return result, seconds


def post_json(url: str, body: str) -> int:
    """POST ``body`` as JSON and return the status (a reference hop: a django-q2 task or a
    plain call, with nothing of the hub's in between)."""
    request = urllib.request.Request(url, data=body.encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def api_token(username: str, role: str) -> str:
    """The API token of a bench user in ``role`` (a group of the roles), made if missing."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    user, _ = get_user_model().objects.get_or_create(username=username)
    user.groups.add(Group.objects.get(name=role))
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


def worker_environment(**extra: str) -> dict[str, str]:
    """The environment for a ``manage.py qcluster`` a benchmark starts, as production starts
    it: the production settings and the benchmark's own ``SECRET_KEY`` (``setup_django``), so
    that the worker reads the tasks the benchmark queues (django-q2 signs them with it)."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "orderhub.settings", "Q_SYNC": "0", **extra}


def setup_django() -> None:
    """Configure Django for a script run from anywhere (settings come from the environment)."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderhub.settings")
    # One key for the run, handed to the processes it starts: a worker on the production
    # settings refuses the development key, and django-q2 refuses tasks signed with another.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    django.setup()


def now_ms() -> float:
    return time.perf_counter() * 1000.0


def time_call(func: Callable[[], object]) -> float:
    """Milliseconds one call of ``func`` takes."""
    started = now_ms()
    func()
    return now_ms() - started


def percentile(samples: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile (0-100) by linear interpolation between closest ranks."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * pct / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Figures:
    """Latency figures of one measured operation, in milliseconds."""

    name: str
    samples: int
    p50: float
    p95: float
    max: float
    mean: float
    target_p95: float | None = None

    @property
    def verdict(self) -> str:
        if self.target_p95 is None:
            return "-"
        return "PASS" if self.p95 <= self.target_p95 else "FAIL"


def measure(
    name: str, call: Callable[[object], object], values: Sequence[object], *, warmup: int,
    target_p95: float | None = None,
) -> Figures:
    """Call ``call(value)`` untimed for the first ``warmup`` values, then time the rest."""
    for value in values[:warmup]:
        call(value)
    timings = [time_call(lambda v=value: call(v)) for value in values[warmup:]]
    return Figures(
        name=name, samples=len(timings), p50=percentile(timings, 50),
        p95=percentile(timings, 95), max=max(timings), mean=statistics.fmean(timings),
        target_p95=target_p95,
    )


def print_figures(rows: Sequence[Figures]) -> None:
    """A fixed-width table: one line per operation, with its target and verdict."""
    width = max(len(row.name) for row in rows)
    header = (
        f"{'operation':<{width}}  {'n':>5}  {'p50 ms':>8}  {'p95 ms':>8}  {'max ms':>8}  "
        f"{'target p95':>10}  result"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        target = f"<= {row.target_p95:g}" if row.target_p95 is not None else "-"
        print(
            f"{row.name:<{width}}  {row.samples:>5}  {row.p50:>8.2f}  {row.p95:>8.2f}  "
            f"{row.max:>8.2f}  {target:>10}  {row.verdict}"
        )


class Progress:
    """Prints ``done/total`` and the rate every ``every`` seconds, and the total at the end."""

    def __init__(self, *, total: int, unit: str, every: float = 5.0) -> None:
        self.total = total
        self.unit = unit
        self.every = every
        self.started = time.perf_counter()
        self.last_print = self.started
        self.done = 0

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def advance(self, count: int, *, extra: str = "") -> None:
        self.done += count
        now = time.perf_counter()
        if now - self.last_print >= self.every or self.done >= self.total:
            self.last_print = now
            rate = self.done / max(now - self.started, 1e-9)
            suffix = f"  {extra}" if extra else ""
            print(
                f"  {self.done:>10,}/{self.total:,} {self.unit}  {rate:>9,.0f} {self.unit}/s  "
                f"{now - self.started:7.1f} s{suffix}",
                flush=True,
            )
