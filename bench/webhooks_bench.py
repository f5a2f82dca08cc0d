"""Webhook delivery benchmark: one worker's throughput to a local receiver, and the time from a change to its
delivery at idle.

    DEBUG=1 .venv/bin/python -m bench.webhooks_bench                      # SQLite (a temporary file)
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/fleet_bench_webhooks \\
        .venv/bin/python -m bench.webhooks_bench

The receiver is a threaded HTTP server on 127.0.0.1 answering 204 at once. Figures, in the same run:
- throughput: --events events (default 2,000) delivered by the dispatcher (`events.tasks.dispatch`, what one
  worker runs) in this process, events per second (goal >= 200/s), against the physical limit: the same signed
  bodies POSTed in a plain loop over one keep-alive connection (no database);
- latency: a real `manage.py db_worker` (its default polling) running beside; one change is committed and the
  time until the receiver holds its delivery is measured, --changes times (default 10), at idle (goal < 2 s).
"""

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.common import ROOT, open_database, parser


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    arrivals = []  # (webhook-id, time received)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        Receiver.arrivals.append((self.headers.get("webhook-id"), time.perf_counter()))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def start_receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hook"


def main():
    args = parser(__doc__, events=2000, changes=10).parse_args()
    open_database()
    import urllib3
    from django.db import transaction

    from bench.import_bench import workspace
    from events import delivery, log
    from events import webhooks as service
    from events.models import Event, EventType, WebhookMessage
    from events.tasks import dispatch

    server, url = start_receiver()
    ws = workspace("bench-webhooks")

    # The physical limit: signed bodies POSTed in a loop over one kept-alive connection.
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = json.dumps({"id": "evt_1", "type": "report.finished", "data": {"report": "x"}})
    pool = urllib3.HTTPConnectionPool("127.0.0.1", server.server_address[1], maxsize=1)
    start = time.perf_counter()
    for i in range(args.events):
        headers = delivery.signed_headers(secret, f"evt_{i}", body)
        pool.request("POST", "/hook", body=body, headers={**headers, "Content-Type": "application/json"})
    lean = args.events / (time.perf_counter() - start)

    webhook, _secret = service.create(ws.pk, url, [EventType.REPORT_FINISHED], actor="system", actor_name="bench")
    with transaction.atomic():
        log.record_many(
            [
                dict(workspace_id=ws.pk, type=EventType.REPORT_FINISHED, data={"report": str(i)})
                for i in range(args.events)
            ]
        )
    Receiver.arrivals.clear()
    start = time.perf_counter()
    while WebhookMessage.objects.filter(state=WebhookMessage.State.DELIVERED).count() < args.events:
        dispatch()
    elapsed = time.perf_counter() - start
    assert len({a[0] for a in Receiver.arrivals}) == args.events, len(Receiver.arrivals)
    rate = args.events / elapsed
    print(
        f"throughput, one worker: {args.events:,} events in {elapsed:.1f} s = {rate:.0f} events/s (goal >= 200/s); "
        f"{rate / lean:.2f}x a plain POST loop ({lean:.0f}/s)"
    )

    # Latency at idle: a real worker beside, polling as it does by default.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--worker-id", "bench-latency"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(4)  # its startup
        waits = []
        for i in range(args.changes):
            Receiver.arrivals.clear()
            time.sleep(1.5)  # idle: nothing queued
            with transaction.atomic():
                event = log.record(ws.pk, EventType.REPORT_FINISHED, {"report": f"latency-{i}"})
            committed = time.perf_counter()
            deadline = committed + 30
            while not Receiver.arrivals and time.perf_counter() < deadline:
                time.sleep(0.005)
            assert Receiver.arrivals, f"event {event.pk} was not delivered within 30 s"
            waits.append(Receiver.arrivals[0][1] - committed)
    finally:
        worker.terminate()
        worker.wait(10)
    print(
        f"latency at idle, change committed -> delivered ({args.changes} changes, db_worker's default polling): "
        f"median {statistics.median(waits):.2f} s, max {max(waits):.2f} s (goal < 2 s)"
    )
    server.shutdown()
    assert Event.objects.filter(workspace=ws).count() >= args.events


if __name__ == "__main__":
    main()
