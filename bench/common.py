"""What the benchmarks share: their database, their arguments, the best of n, the fastest raw write.

Two families:
- `python -m bench.X` (import, events, readings, webhooks, activity, chain, …): `setup_database()` points Django at
  a fresh bench database (DATABASE_URL, or a temporary SQLite file) and migrates it; `open_database()` also says
  which one it is.
- `python bench/X.py --db sqlite|postgres` (table, stuck, details): `configure(db, name)` points Django at a
  database of its own, `fleet_bench_<name>`, kept between runs; `prepare()` creates and migrates it and gives the
  bench's manager, `managed_workspace()` a workspace of theirs.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def best(fn, n=5):
    """The shortest of n timed runs of fn() (the benchmarks' "best of n")."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def parser(doc, **numbers):
    """The arguments of a `python -m bench.X` benchmark: its --help shows the whole docstring as written; each of
    `numbers` is a whole-number option with its default (`disable_rows=10_000`: --disable-rows, 10,000)."""
    arguments = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, default in numbers.items():
        arguments.add_argument(f"--{name.replace('_', '-')}", type=int, default=default)
    return arguments


def table_parser(doc, runs):
    """The arguments of a VIN table benchmark: --db, --runs (rounds), --rebuild; its --help shows the first line."""
    arguments = argparse.ArgumentParser(description=doc.splitlines()[0])
    arguments.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    arguments.add_argument("--runs", type=int, default=runs)
    arguments.add_argument("--rebuild", action="store_true")
    return arguments


def setup_database():
    """Point Django at a bench database (never the dev one) and migrate it."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        folder = Path(tempfile.mkdtemp(prefix="fleet-bench-upload-"))
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        os.environ["DATABASE_URL"] = url
    elif "bench" not in url.rsplit("/", 1)[-1]:
        sys.exit("Use a bench database (its name must contain 'bench'), e.g. .../fleet_bench_upload")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fleet.settings")
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="fleet-bench-media-"))
    if url.startswith("postgres"):
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    return url


def open_database():
    """setup_database(), then which database it is: `database: postgresql (127.0.0.1:5432/fleet_bench_upload)`."""
    url = setup_database()
    from django.db import connection

    print(f"database: {connection.vendor} ({url.split('@')[-1]})")


def configure(db, name):
    """Point Django at the database of the VIN table benchmark `name`: bench/out/fleet_bench_<name>.sqlite3, or
    the PostgreSQL database fleet_bench_<name> (BENCH_DATABASE_URL names another)."""
    if db == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{OUT / f'fleet_bench_{name}.sqlite3'}"
    else:
        os.environ["DATABASE_URL"] = os.environ.get(
            "BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/fleet_bench_{name}"
        )
    os.environ.setdefault("DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "fleet.settings"
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log: it would grow and slow every query down


def create_database_if_missing():
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    import psycopg

    name = connection.settings_dict["NAME"]
    params = {k: v for k, v in connection.get_connection_params().items() if k not in ("dbname", "database")}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def prepare():
    """The configured database, created if missing and migrated; the bench's manager (a user, made once)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    create_database_if_missing()
    call_command("migrate", verbosity=0)
    return get_user_model().objects.get_or_create(username="bench-manager")[0]


def managed_workspace(slug, user):
    """The workspace `slug` (made once), `user` a manager of it."""
    from fleet.models import Membership, Role, Workspace

    workspace, _ = Workspace.objects.get_or_create(slug=slug, defaults={"name": slug})
    Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": Role.MANAGER})
    return workspace


def make_ids(names):
    """{name: id} of these makes, made where missing."""
    from fleet.models import Make

    return {name: Make.objects.get_or_create(name=name)[0].pk for name in names}


def analyze(written, others=()):
    """Fresh statistics after a load: on PostgreSQL VACUUM ANALYZE of the tables written (`written`), ANALYZE of
    `others`; on SQLite ANALYZE."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in written:
                cursor.execute(f"VACUUM ANALYZE {table}")
            for table in others:
                cursor.execute(f"ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")


def write_rows(cursor, table, columns, rows):
    """Write rows (tuples in the order of `columns`, a comma-separated string) the database's fastest way:
    PostgreSQL COPY, SQLite executemany 50,000 at a time. Returns how many were written."""
    from django.db import connection

    count = 0
    if connection.vendor == "postgresql":
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    marks = ", ".join(["%s"] * len(columns.split(",")))
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == 50_000:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)
            count += len(batch)
            batch = []
    if batch:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)
        count += len(batch)
    return count
