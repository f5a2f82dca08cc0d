"""Rate-limit counters are atomic and keep their window, on the database cache and on Redis; the token endpoint
is throttled per client id and per address; tokens do not pile up."""

import datetime as dt
import logging
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client, override_settings
from oauth2_provider.models import AccessToken

from vehicles.api import throttling

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/15"
REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
V2 = "/api/v2/vehicle-management/vehicles/"


def redis_up():
    try:
        import redis

        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001
        return False


needs_redis = pytest.mark.skipif(not redis_up(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def hourly_limit_of_3(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "3/hour", "status": "3/hour", "reports": "3/hour"},
    }


class Clock:
    """One controlled time for the throttle, Django's cache timeouts and the database cache's expiry checks."""

    def __init__(self, monkeypatch, start):
        self.now = start
        real_time = time.time
        monkeypatch.setattr(time, "time", lambda: self.now if self.active else real_time())
        aware = lambda: dt.datetime.fromtimestamp(self.now, dt.UTC)  # noqa: E731
        monkeypatch.setattr("django.core.cache.backends.db.tz_now", aware)
        monkeypatch.setattr("fleet.cache.now", aware)
        self.active = True

    def advance(self, seconds):
        self.now += seconds


def test_the_database_cache_is_the_atomic_one(settings):
    assert settings.CACHES["default"]["BACKEND"] in ("fleet.cache.AtomicDatabaseCache",) or os.environ.get("REDIS_URL")


@pytest.mark.django_db(transaction=True)
def test_a_counter_keeps_its_hour_past_the_300_second_default_timeout(api, hourly_limit_of_3, monkeypatch):
    if os.environ.get("REDIS_URL"):
        pytest.skip("the controlled clock drives the database cache")
    hour = 3600 * (int(time.time()) // 3600 + 10)  # the start of an hour, far from now
    clock = Clock(monkeypatch, hour + 10)
    assert [api.get(V2).status_code for _ in range(3)] == [200, 200, 200]
    assert api.get(V2).status_code == 429
    for _ in range(6):  # 301, 602, … seconds later: Django's incr re-set the key for 300 s, and it was forgotten
        clock.advance(301)
        throttling.reset()
        response = api.get(V2)
        assert response.status_code == 429
        assert 0 < int(response["Retry-After"]) <= 3600 - 10 - 301
    clock.advance(3600)  # the next hour: a new window
    throttling.reset()
    assert api.get(V2).status_code == 200


def test_the_database_cache_incr_keeps_the_expiry_it_was_given(monkeypatch):
    if os.environ.get("REDIS_URL"):
        pytest.skip("database cache only")
    clock = Clock(monkeypatch, 2_000_000_000)
    cache.add("c", 0, timeout=3600)
    assert cache.incr("c", 5) == 5
    clock.advance(3000)
    assert cache.incr("c") == 6
    clock.advance(599)
    assert cache.get("c") == 6
    clock.advance(2)
    assert cache.get("c") is None
    with pytest.raises(ValueError):
        cache.incr("c")


@needs_redis
def test_on_redis_incr_keeps_the_windows_timeout():
    with override_settings(CACHES=REDIS):
        key = f"throttle:test:{uuid.uuid4().hex}"
        try:
            assert throttling.add_to_counter(key, 1, 3600) == 1
            assert throttling.add_to_counter(key, 4, 3600) == 5
            client = caches["default"]._cache.get_client(key)
            ttl = client.ttl(caches["default"].make_and_validate_key(key))
            assert 3590 <= ttl <= 3600
        finally:
            caches["default"].delete(key)


def _cache_environment(kind, tmp_path):
    env = {**os.environ, "SECRET_KEY": "test", "DEBUG": ""}
    env.pop("REDIS_URL", None)
    if kind == "redis":
        env["REDIS_URL"] = REDIS_URL
    elif connection.vendor == "postgresql":
        s = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cache.sqlite3'}"
        subprocess.run([sys.executable, "manage.py", "createcachetable"], cwd=ROOT, env=env, check=True)
    return env


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["database", pytest.param("redis", marks=needs_redis)])
def test_two_processes_share_one_atomic_counter(kind, tmp_path):
    env = _cache_environment(kind, tmp_path)
    key, hits, limit = f"throttle:two:{uuid.uuid4().hex}", 150, 200
    start = tmp_path / "go"
    script = str(ROOT / "tests" / "api" / "throttle_process.py")
    workers = [
        subprocess.Popen(
            [sys.executable, script, key, str(hits), str(limit), "3600", str(start)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(1.5)  # both have set Django up
    start.touch()
    outputs = [w.communicate(timeout=120) for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    allowed = sum(int(out.strip()) for out, _ in outputs)
    assert allowed == limit  # every increment counted once: exactly the limit let through
    check = subprocess.run(
        [sys.executable, script, key, "1", str(limit), "3600", str(start)], cwd=ROOT, env=env, capture_output=True
    )
    assert check.stdout.strip() == b"0"  # the counter stood at 300: the next one is over the limit


def test_an_unreachable_cache_lets_requests_through_with_a_warning(api, hourly_limit_of_3, caplog):
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    with override_settings(CACHES=unreachable), caplog.at_level(logging.WARNING, "vehicles.api.throttling"):
        assert [api.get(V2).status_code for _ in range(5)] == [200] * 5
    assert "API throttle not applied: the cache is unreachable" in caplog.text


# --- The token endpoint ---


def token(http, client_id, secret, address="10.0.0.1"):
    return http.post(
        "/api/oauth/token/",
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        REMOTE_ADDR=address,
    )


def test_after_10_failed_attempts_for_a_client_id_even_the_right_secret_is_refused(credentials):
    api_client, secret = credentials
    client_id, http = api_client.application.client_id, Client()
    for n in range(10):
        assert token(http, client_id, "wrong", address=f"10.0.1.{n}").status_code == 401
    response = token(http, client_id, secret, address="10.0.2.1")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "rate_limited" and "try again" in body["message"]
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert not AccessToken.objects.filter(application=api_client.application).exists()


def test_after_10_failed_attempts_from_an_address_it_is_refused_for_every_client(credentials):
    api_client, secret = credentials
    http = Client()
    for n in range(10):
        assert token(http, f"unknown-{n}", "wrong", address="10.0.3.3").status_code == 401
    assert token(http, api_client.application.client_id, secret, address="10.0.3.3").status_code == 429
    assert token(http, api_client.application.client_id, secret, address="10.0.3.4").status_code == 200


def test_nine_failures_do_not_lock_anyone_out(credentials):
    api_client, secret = credentials
    for _ in range(9):
        token(Client(), api_client.application.client_id, "wrong")
    assert token(Client(), api_client.application.client_id, secret).status_code == 200


def test_the_address_behind_the_proxy_is_the_forwarded_one(credentials):
    api_client, secret = credentials
    http = Client()
    for _ in range(10):
        http.post(
            "/api/oauth/token/",
            {"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
    ok = http.post(
        "/api/oauth/token/",
        {"grant_type": "client_credentials", "client_id": api_client.application.client_id, "client_secret": secret},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.10",
    )
    assert ok.status_code == 200


def test_tokens_do_not_pile_up(credentials, settings):
    api_client, secret = credentials
    issued = [token(Client(), api_client.application.client_id, secret).json()["access_token"] for _ in range(8)]
    live = AccessToken.objects.filter(application=api_client.application)
    assert live.count() == settings.API_TOKENS_PER_CLIENT == 5
    for raw in issued[-5:]:
        assert Client().get(V2, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert Client().get(V2, HTTP_AUTHORIZATION=f"Bearer {issued[0]}").status_code == 401
