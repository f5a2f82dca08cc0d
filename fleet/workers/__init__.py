"""The task workers' supervision: heartbeats, leases on running tasks, and a `db_worker` that survives the database.

An app of its own, listed before `django_tasks_db` in INSTALLED_APPS so that its `db_worker` command is the one
`manage.py db_worker` runs (the Makefile, the systemd unit and the docs keep their command). It knows nothing of
vehicles: which tasks may be run again after their worker vanished is a setting (`WORKER_RETRY_TASKS`).
"""
