"""Stored deliveries compress with LZ4 instead of PostgreSQL's default pglz.

A peak day stores a megabyte-sized body per page of orders; pglz compressing it was the largest
single cost of the server during ingestion, and LZ4 does the same work several times faster
(reading is faster too). Only PostgreSQL built with LZ4 (PostgreSQL 14 and later, as Debian's
and the official images are) offers it; elsewhere nothing changes. Rows already stored keep
their compression until they are rewritten.
"""
from django.db import migrations

COLUMNS = (("channels_delivery", "body"), ("channels_delivery", "result"))


def _lz4_available(cursor) -> bool:
    cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                   "WHERE name = 'default_toast_compression'")
    row = cursor.fetchone()
    return bool(row and row[0])


def use_lz4(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if not _lz4_available(cursor):
            return
        for table, column in COLUMNS:
            cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET COMPRESSION lz4')


def use_default(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, column in COLUMNS:
            cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET COMPRESSION DEFAULT')


class Migration(migrations.Migration):

    dependencies = [("channels", "0005_crossborder_channels")]

    operations = [migrations.RunPython(use_lz4, use_default)]
