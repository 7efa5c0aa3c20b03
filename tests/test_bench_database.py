"""The read-only benchmarks (``bench.lookup``, ``bench.search``) stop with the command to run
when their database cannot be opened or is not migrated, instead of failing on a missing table
in the middle of a measurement. No benchmark runs here."""
from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from bench import common

URL = "postgres://postgres:s3cret@127.0.0.1:5432/orderhub_bench"


def stopped_with(capsys, url: str = URL) -> str:
    with pytest.raises(SystemExit) as stopped:
        common.require_migrated(url)
    assert stopped.value.code == 2
    return capsys.readouterr().err


@pytest.mark.django_db
def test_a_migrated_database_goes_on(capsys):
    common.require_migrated(URL)
    assert capsys.readouterr().err == ""


@pytest.mark.django_db
def test_a_database_missing_a_migration_stops_with_the_migrate_command(capsys):
    # given a database where the newest migration of orders is not applied (as after a pull;
    # the record comes back with the test's rollback)
    [(app, newest)] = MigrationLoader(connection).graph.leaf_nodes("orders")
    MigrationRecorder(connection).record_unapplied(app, newest)

    # when a read-only benchmark checks it
    error = stopped_with(capsys)

    # then it names the database, what is missing and the command, without the password
    assert "the bench database orderhub_bench is not migrated" in error
    assert f"(1 migration(s) to apply, from orders.{newest})" in error
    assert ("DATABASE_URL=postgres://postgres:***@127.0.0.1:5432/orderhub_bench "
            ".venv/bin/python manage.py migrate") in error
    assert "s3cret" not in error


def test_a_database_that_cannot_be_opened_stops_with_the_loading_command(monkeypatch, capsys):
    def unreachable():
        raise OperationalError('database "orderhub_bench" does not exist')

    monkeypatch.setattr(common, "unapplied_migrations", unreachable)
    error = stopped_with(capsys, URL.replace(":s3cret", ""))
    assert 'cannot open the bench database orderhub_bench: database "orderhub_bench" does not ' \
           'exist' in error
    assert ("DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderhub_bench .venv/bin/python "
            "-m bench.load_orders") in error
