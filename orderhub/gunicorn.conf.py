"""gunicorn's settings for the hub's two pools of web workers (README, Production notes).

    gunicorn -c orderhub/gunicorn.conf.py                          # staff and the API, :8000
    ORDERHUB_POOL=channels gunicorn -c orderhub/gunicorn.conf.py   # channel pushes,    :8001

The reverse proxy sends ``/api/channels/`` to the channels pool and everything else to the web
pool. Why two pools: a channel's batch upload (500-1,000 orders, 0.2-0.5 s of CPU) took every
worker of a single pool during a peak, and customer service's lookups by phone waited behind
it (p95 329 ms against 8.5 ms when quiet, issue 9; ``bench/serve.py`` measures both set-ups).
With the uploads in a pool of their own, a lookup never waits for a worker that is busy with
one; for the CPU, the kernel's scheduler already runs a lookup's thread first when it wakes,
ahead of workers that have been computing for a while.

- web: ``gthread`` workers, one per core, each with threads, so that one slow request (a
  statement import, a big admin page) does not hold up the lookups behind it; Django's pool
  gives each thread its own connection (``DB_POOL_MAX`` = threads unless set).
- channels: ``sync`` workers, one per core: an upload is CPU work from start to end, so more
  workers or threads than cores only make each upload slower.

``bind`` and anything else can be overridden on the command line (``--bind``, ``--workers``),
which gunicorn reads after this file. Connections to PostgreSQL, per host: web workers ×
``DB_POOL_MAX`` + channels workers × 1, plus the qcluster's (README).
"""
import os

# The numbers the README's production notes state (tests/test_serving.py holds them together).
POOLS = {
    "web": {"bind": "127.0.0.1:8000", "worker_class": "gthread", "workers": 2, "threads": 4,
            "timeout": 60},
    "channels": {"bind": "127.0.0.1:8001", "worker_class": "sync", "workers": 2, "threads": 1,
                 "timeout": 120},
}

POOL = os.environ.get("ORDERHUB_POOL", "web")
if POOL not in POOLS:
    raise RuntimeError(f"ORDERHUB_POOL={POOL!r}: choose one of {', '.join(POOLS)}.")
_pool = POOLS[POOL]

wsgi_app = "orderhub.wsgi:application"
bind = [_pool["bind"]]
worker_class = _pool["worker_class"]
workers = _pool["workers"]
threads = _pool["threads"]
# A 50 MB upload (ORDERHUB_CHANNEL_MAX_BODY_BYTES) of a slow integrator needs longer than
# gunicorn's default 30 s; a request that runs longer than this is cut off and its worker
# restarted.
timeout = _pool["timeout"]
graceful_timeout = 30
keepalive = 5
proc_name = f"orderhub-{POOL}"
# Never --preload: the master must not open database connections that workers would share
# (PITFALLS.md).
preload_app = False

# One pooled connection per thread: a thread never waits for one, and the pool never holds
# more than the threads can use. Read by Django's settings in each worker (after the fork).
os.environ.setdefault("DB_POOL_MAX", str(_pool["threads"]))
os.environ.setdefault("DB_POOL_MIN", "1")

