"""One delivery: the signed POST of an event to an endpoint (the Standard Webhooks convention).

Headers `webhook-id` (the event's id, the same on every retry and replay), `webhook-timestamp` (Unix seconds),
`webhook-signature` (`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`, signed by the `standardwebhooks`
library). The address is checked (events/ssrf.py) and connected to directly; no redirect is followed (a 3xx is a
failure); at most 4 KiB of the answer is read. Success is a 2xx within WEBHOOK_TIMEOUT_SECONDS.
"""

import datetime as dt
import json
import time
from dataclasses import dataclass

import urllib3
from django.conf import settings
from standardwebhooks.webhooks import Webhook as Signer

from events import feed, ssrf

READ_AT_MOST = 4096
EXCERPT = 500
USER_AGENT = "FleetWebhooks/1"


@dataclass
class Outcome:
    status: int | None
    error: str
    duration_ms: int
    excerpt: str

    @property
    def ok(self):
        return not self.error and self.status is not None and 200 <= self.status < 300


def body_of(event, workspace_slug):
    return json.dumps(feed.as_json(event, workspace_slug), separators=(",", ":"), ensure_ascii=False)


def signed_headers(secret, msg_id, body, now=None):
    now = now or dt.datetime.now(dt.UTC)
    timestamp = int(now.timestamp())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": Signer(secret).sign(msg_id, dt.datetime.fromtimestamp(timestamp, dt.UTC), body),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


# Connections kept alive between sends of one worker, per checked address (a new DNS answer is a new key, so a
# rebinding never reuses a connection to the old address). A fresh connection per delivery cost a worker about
# half its throughput to a local receiver (docs/benchmarks.md, webhooks).
_POOLS = {}
MAX_POOLS = 64


def _pool(target, timeout):
    key = (target.scheme, target.address, target.port, target.host, timeout.connect_timeout, timeout.read_timeout)
    pool = _POOLS.get(key)
    if pool is None:
        if len(_POOLS) >= MAX_POOLS:
            for old in _POOLS.values():
                old.close()
            _POOLS.clear()
        pool = _POOLS[key] = _new_pool(target, timeout)
    return pool


def _new_pool(target, timeout):
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            ca_certs=getattr(settings, "WEBHOOK_CA_BUNDLE", None) or None,  # None: the system's CAs
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    return urllib3.HTTPConnectionPool(target.address, target.port, timeout=timeout, retries=False, maxsize=1)


def post(url, secret, msg_id, body):
    """POST `body` to `url`, signed; never raises for what the network or the receiver does."""
    limit = settings.WEBHOOK_TIMEOUT_SECONDS
    started = time.monotonic()

    def elapsed():
        return int((time.monotonic() - started) * 1000)

    try:
        target = ssrf.check(url)
    except ssrf.UnsafeUrl as exc:
        return Outcome(None, str(exc), elapsed(), "")
    headers = {**signed_headers(secret, msg_id, body), "Host": target.host_header}
    pool = _pool(target, urllib3.Timeout(connect=limit, read=limit))
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body.encode(),
            headers=headers,
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            content = response.read(READ_AT_MOST, decode_content=False)
        finally:
            if response.length_remaining == 0:
                response.release_conn()  # read to its end: the connection may serve the next delivery
            else:
                response.close()  # more than we read, or of unknown length: not reused
        status = response.status
    except urllib3.exceptions.TimeoutError:
        return Outcome(None, f"timed out after {limit} s", elapsed(), "")
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        return Outcome(None, f"connection failed: {exc}"[:1000], elapsed(), "")
    duration = elapsed()
    excerpt = content.decode("utf-8", "replace")[:EXCERPT].replace("\x00", "")
    error = ""
    if duration > limit * 1000:
        error = f"answered after {duration} ms, beyond the {limit} s limit"
    elif 300 <= status < 400:
        error = f"redirect ({status}) not followed: give the final URL"
    elif not 200 <= status < 300:
        error = f"HTTP {status}"
    return Outcome(status, error, duration, excerpt)
