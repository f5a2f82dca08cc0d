"""A database that does not answer, for real: the thread's `default` connection is swapped for a fresh one whose
settings point at a closed port (PostgreSQL) or at a file that cannot be opened (SQLite). The driver really fails
to connect; nothing is mocked. The test's own connection is put back afterwards."""

import contextlib
import copy
import socket

from django.db import DEFAULT_DB_ALIAS, connections


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nobody listens once the socket is closed


def settings_of_a_dead_database(settings_dict):
    broken = copy.deepcopy(settings_dict)
    if broken["ENGINE"] == "django.db.backends.sqlite3":
        broken["NAME"] = "/nonexistent-directory/fleet.sqlite3"
    else:
        broken.update(HOST="127.0.0.1", PORT=str(closed_port()))
    return broken


@contextlib.contextmanager
def database_down(alias=DEFAULT_DB_ALIAS):
    """Yields the fresh connection wrapper that is in use meanwhile (set its settings_dict back to bring the
    database "back" on the same wrapper, as a running process would see it)."""
    original = connections[alias]
    wrapper = original.__class__(settings_of_a_dead_database(original.settings_dict), alias)
    setattr(connections._connections, alias, wrapper)
    try:
        yield wrapper
    finally:
        wrapper.close()
        setattr(connections._connections, alias, original)
