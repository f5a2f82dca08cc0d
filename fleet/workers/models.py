from django.db import models


class WorkerHeartbeat(models.Model):
    """One running task worker: it updates `last_seen_at` (the database's clock) every WORKER_HEARTBEAT_SECONDS.

    A RUNNING task whose worker has not been seen for WORKER_LOST_AFTER_SECONDS is taken for lost (see `lease`).
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["worker_id"]

    def __str__(self):
        return f"worker {self.worker_id} (pid {self.pid} on {self.host})"
