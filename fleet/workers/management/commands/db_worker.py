"""`manage.py db_worker`: django-tasks-db's worker, made hard to kill quietly.

It takes every option of django-tasks-db's own `db_worker` (this command replaces it: the `workers` app comes
first in INSTALLED_APPS) and adds:

- **Database errors do not end it.** An OperationalError or InterfaceError out of the worker's loop (the server
  restarted, the network dropped) closes the connections, waits — WORKER_DB_RETRY_SECONDS doubled on each failed
  attempt, at most WORKER_DB_RETRY_MAX_SECONDS — until the database answers again, logs each attempt, and goes
  on with the same worker id. A task whose bookkeeping the error interrupted is released (`lease.recover_own`).
- **A heartbeat.** A thread updates this worker's `WorkerHeartbeat` row every WORKER_HEARTBEAT_SECONDS and, on
  each beat, releases the RUNNING tasks of workers not seen for WORKER_LOST_AFTER_SECONDS (`lease`); one
  recovery pass also runs at start (so `--batch` takes up lost tasks too). The thread is stopped and joined when
  the worker stops, and the worker's row is removed.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connection, connections
from django_tasks_db.management.commands import db_worker as upstream

from fleet.workers import lease

logger = logging.getLogger("fleet.workers")

DATABASE_ERRORS = (OperationalError, InterfaceError)


def _close_connections():
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except Exception:  # a broken connection may fail to close; it is dropped all the same
            logger.debug("closing a broken connection failed", exc_info=True)


class Heartbeat(threading.Thread):
    """Beats and recovers lost tasks every `interval` seconds, through its own connection, until stopped.

    The worker has just beaten when this starts, so the first beat comes one interval later. On SQLite (one
    writer at a time; development only) it beats only while the worker runs no task: a beat would wait behind, or
    break into, a task's write transaction.
    """

    def __init__(self, worker, interval):
        super().__init__(name=f"heartbeat-{worker.worker_id}", daemon=True)
        self.worker = worker
        self.worker_id = worker.worker_id
        self.interval = interval
        self.idle_only = connection.vendor == "sqlite"
        self.stopped = threading.Event()
        self.failing = False

    def run(self):
        while not self.stopped.wait(self.interval):
            if self.idle_only and self.worker.running_task:
                continue
            try:
                close_old_connections()
                lease.beat(self.worker_id)
                lease.recover_lost()
                if self.failing:
                    logger.warning("Worker %s: heartbeat written again", self.worker_id)
                self.failing = False
            except DATABASE_ERRORS as error:
                if not self.failing:
                    logger.warning("Worker %s: heartbeat not written (%s); retrying", self.worker_id, error)
                self.failing = True
                _close_connections()
            except Exception:
                logger.exception("Worker %s: heartbeat failed", self.worker_id)
        connection.close()

    def stop(self):
        self.stopped.set()


class Worker(upstream.Worker):
    def run(self):
        heartbeat = None
        try:
            self._until_database_answers(first=True)
            lease.recover_lost()
            heartbeat = Heartbeat(self, settings.WORKER_HEARTBEAT_SECONDS)
            heartbeat.start()
            while True:
                try:
                    return super().run()
                except DATABASE_ERRORS as error:
                    logger.error("Worker %s: database error, reconnecting: %s", self.worker_id, error)
                    self.startup_delay = False
                    self._until_database_answers()
                    released = lease.recover_own(self.worker_id)
                    if any(released.values()):
                        logger.warning("Worker %s: tasks interrupted by the error: %s", self.worker_id, released)
                    if not self.running:
                        return None
        finally:
            if heartbeat is not None:
                heartbeat.stop()
                heartbeat.join(settings.WORKER_HEARTBEAT_SECONDS + 5)
            try:
                lease.forget(self.worker_id)
            except DATABASE_ERRORS:
                pass  # its row ages out; nothing of it is needed

    def _until_database_answers(self, first=False):
        """Reconnect with capped exponential backoff; write the heartbeat once connected."""
        delay = settings.WORKER_DB_RETRY_SECONDS
        attempt = 0
        while True:
            if not first or attempt:
                _close_connections()
                logger.warning("Worker %s: database unavailable, next attempt in %.1f s", self.worker_id, delay)
                time.sleep(delay)
                delay = min(delay * 2, settings.WORKER_DB_RETRY_MAX_SECONDS)
            attempt += 1
            try:
                connection.ensure_connection()
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
                lease.beat(self.worker_id)
            except DATABASE_ERRORS as error:
                if first and attempt == 1:
                    logger.warning("Worker %s: database unavailable at start: %s", self.worker_id, error)
                continue
            if attempt > 1:
                logger.warning("Worker %s: database available again after %d attempt(s)", self.worker_id, attempt)
            return


class Command(upstream.Command):
    help = "Run a database background worker that survives database errors and keeps a heartbeat"

    def handle(self, *args, **options):
        # The upstream command builds its Worker by name from its own module; it is swapped for this one.
        original = upstream.Worker
        upstream.Worker = Worker
        try:
            return super().handle(*args, **options)
        finally:
            upstream.Worker = original
