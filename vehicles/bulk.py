"""The database's fastest way to write many rows: SQLite `executemany`, PostgreSQL `COPY`.

Columns come from the models, so a field added later with a default is written with its default. Used by the
status machine (uploaded vehicles and their history) and the import engine (problem rows).
"""

import contextlib

from django.db import connection


def columns(model, variable, constants, skip=()):
    """(column names, constant values) for a raw insert: `variable` attnames first (given per row), then
    `constants`, then every other concrete field with its default."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    names = [fields[name].column for name in variable]
    values = []
    for name, value in constants.items():
        names.append(fields[name].column)
        values.append(value)
    for name, f in fields.items():
        if name in variable or name in constants or name in skip:
            continue
        names.append(f.column)
        values.append(f.get_db_prep_save(f.get_default(), connection))
    return names, tuple(values)


def insert(table, names, rows):
    """Insert rows (tuples in the order of `names`) into a table."""
    if not rows:
        return
    joined = ", ".join(names)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * len(names))
            cursor.executemany(f"INSERT INTO {table} ({joined}) VALUES ({marks})", rows)
        else:
            with cursor.cursor.copy(f"COPY {table} ({joined}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


def insert_rows(model, values, rows):
    """Insert rows of `values` (attnames) of any model, with its defaults for the other columns."""
    names, constants = columns(model, values, {}, skip=("id",))
    insert(model._meta.db_table, names, [tuple(row) + constants for row in rows])


@contextlib.contextmanager
def bounded_sqlite_cache(kib):
    """SQLite's page cache limited to `kib` while the block runs (the settings give web reads 64 MB): a job that
    reads or writes a million rows stays within its memory budget. Nothing on PostgreSQL."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")
