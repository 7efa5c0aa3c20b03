"""The one lock of finance's matching: a statement import and the re-match of red lines take it,
so that they never judge the same order's lines at the same time (PostgreSQL advisory lock,
held to the end of the transaction).

The second comes in after the first committed and sees its lines: overlapping files never make
two lines of one row, a unit's verdict sees every line of it, and a re-match never saves a
verdict an import has just replaced. SQLite (development and tests) runs one writer at a time
anyway.
"""
from __future__ import annotations

from django.db import connection

MATCHING_LOCK_KEY = 0x0F1A_57A7


def matching_lock() -> None:
    """Wait for, then hold until commit, finance's matching lock (inside a transaction)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [MATCHING_LOCK_KEY])
