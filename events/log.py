"""Writing the change log, and the sequencer that orders it.

`record(…)` writes one event and `record_many(…)` many in one statement, inside the caller's transaction (the
change and its event commit together or not at all). After commit, `events_committed` is sent: the webhook
dispatcher listens to it.

`sequence()` gives committed events their `seq`, in id order, under the one EventSequence row's lock. Readers call
it before reading (the feed, the activity log, the live table, the dispatcher); when nothing is waiting it is one
indexed EXISTS and takes no lock.
"""

from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from events.models import Event, EventSequence

# Sent after the commit of a transaction that wrote events.
events_committed = Signal()

SEQUENCE_ROW = 1


def _send_committed():
    events_committed.send(sender=Event)


def _after_commit():
    """Once per transaction, however many events it writes (a 100,000-row import writes 1,000)."""
    if connection.in_atomic_block and any(hook[1] is _send_committed for hook in connection.run_on_commit):
        return
    transaction.on_commit(_send_committed)


def record(workspace_id, type, data=None, actor="", actor_name="", count=0, at=None):
    """One event, in the caller's transaction. Returns it."""
    (event,) = record_many(
        [dict(workspace_id=workspace_id, type=type, data=data or {}, actor=actor, actor_name=actor_name, count=count)],
        at=at,
    )
    return event


# Events are written with their ids taken first and one executemany (PostgreSQL pipelines it): Django's
# bulk_create sends one multi-row INSERT … RETURNING, which PostgreSQL took 8x longer over for 100 events of 8 KB
# each (170 ms against 20 ms). The same statements for 1 event or 100: a bulk change's count stays constant.


def record_many(rows, at=None):
    """Events from dicts of (workspace_id, type, data, actor, actor_name, count), in the caller's transaction;
    returns them with their ids, in the order given."""
    at = at or timezone.now()
    events = [Event(created_at=at, **row) for row in rows]
    if not events:
        return []
    with transaction.atomic():  # on SQLite (IMMEDIATE) the write lock is held from here: ids cannot clash
        _insert(events)
    _after_commit()
    return events


def _allocate_ids(n):
    table = Event._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
            return sorted(row[0] for row in cursor.fetchall())
        cursor.execute(f"SELECT max(id) FROM {table}")
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        first = max(top, row[0] if row else 0) + 1
        return list(range(first, first + n))


def _insert(events):
    fields = [f for f in Event._meta.concrete_fields]
    for event, pk in zip(events, _allocate_ids(len(events)), strict=True):
        event.pk = pk
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    values = [tuple(f.get_db_prep_save(getattr(e, f.attname), connection) for f in fields) for e in events]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {Event._meta.db_table} ({columns}) VALUES ({marks})", values)
    for event in events:
        event._state.adding = False
        event._state.db = connection.alias


def sequence(limit=10_000):
    """Give the committed events without a `seq` theirs, oldest id first; returns how many were given."""
    if not Event.objects.filter(seq__isnull=True).exists():
        return 0
    table = Event._meta.db_table
    given = 0
    with transaction.atomic():
        counter = EventSequence.objects.select_for_update().filter(pk=SEQUENCE_ROW).first()
        if counter is None:
            counter = EventSequence.objects.create(pk=SEQUENCE_ROW, last=0)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET seq = %s + ordered.rn FROM ("
                f"  SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM {table} WHERE seq IS NULL"
                f"  ORDER BY id LIMIT %s"
                f") AS ordered WHERE {table}.id = ordered.id",
                [counter.last, limit],
            )
            given = cursor.rowcount
        if given:
            EventSequence.objects.filter(pk=SEQUENCE_ROW).update(last=counter.last + given)
    return given
