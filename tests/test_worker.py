"""The background worker (django-q2's ``qcluster``) as production runs it.

The rest of the suite runs tasks inline (``orderhub/test_settings.py``), which hides every
failure of the real worker (PITFALLS.md). Here the connection settings each process gets are
checked on any database.
"""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

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
