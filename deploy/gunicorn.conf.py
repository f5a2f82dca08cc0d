"""gunicorn for fleet.wsgi, behind nginx (deploy/nginx.conf.template): `gunicorn -c deploy/gunicorn.conf.py fleet.wsgi`.

Sync workers are right here *only because* nginx buffers every request and response: a worker is busy just for
the time Django works, never for a client's network. Without the proxy, N slow clients hold all N workers.
Environment: GUNICORN_BIND (127.0.0.1:8001), WEB_CONCURRENCY (2 × cores + 1), GUNICORN_TIMEOUT (120 s),
GUNICORN_MAX_REQUESTS (2000), GUNICORN_ACCESS_LOG ("-", stdout; empty to switch it off).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"

# A request that runs longer than this is killed (and logged); a synchronous CSV import of up to
# UPLOAD_BACKGROUND_ROWS rows finishes well within it; bigger files go to the task worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 120)
graceful_timeout = 30
# nginx keeps upstream connections open (`keepalive` in its upstream block); a little longer than a request gap.
keepalive = 5

# Recycle workers now and then (memory growth in long-lived processes); jitter so they do not all restart at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS") or 2000)
max_requests_jitter = max_requests // 10

# Limits on what a request may send (nginx applies its own first).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 16384

# Only nginx on this host may set X-Forwarded-*.
forwarded_allow_ips = "127.0.0.1,::1"

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Heartbeat files in memory, not on a disk that may stall.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
