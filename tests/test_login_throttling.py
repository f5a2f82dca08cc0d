"""After 10 failed logins for one username (or from one address) within 15 minutes, further attempts are refused
for 15 minutes — even with the right password — with a clear message and status 429; a successful login is not
slowed and is not counted."""

from datetime import timedelta

from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from .factories import UserFactory

LOGIN = "/accounts/login/"


def attempt(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def is_logged_in(client):
    return SESSION_KEY in client.session


def test_the_settings_say_10_failures_and_15_minutes(settings):
    assert settings.AXES_FAILURE_LIMIT == 10
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=15)


def test_ten_wrong_passwords_lock_the_username_even_for_the_right_password(client, manager):
    answers = [attempt(client, "mia", f"wrong-{n}").status_code for n in range(10)]
    assert answers[:9] == [200] * 9  # the form says the password did not match
    assert answers[9] == 429  # the tenth failure locks

    response = attempt(client, "mia", "password")
    assert response.status_code == 429
    assert not is_logged_in(client)
    text = response.content.decode()
    assert "Too many failed logins for this username or from this address" in text
    assert "15 minutes" in text
    assert 'name="username"' in text  # the login page itself, saying why
    assert response["Retry-After"] == "900"


def test_the_lock_is_per_username_from_other_addresses_too(manager, viewer):
    for n in range(10):
        attempt(Client(REMOTE_ADDR=f"10.0.0.{n + 1}"), "mia", "wrong")
    assert attempt(Client(REMOTE_ADDR="10.9.9.9"), "mia", "password").status_code == 429
    # another user from a fresh address is not affected
    other = Client(REMOTE_ADDR="10.9.9.10")
    assert attempt(other, "vic", "password").status_code == 302
    assert is_logged_in(other)


def test_the_lock_is_per_address_across_usernames(client, manager):
    for n in range(10):
        attempt(client, f"guess-{n}", "wrong")
    response = attempt(client, "mia", "password")
    assert response.status_code == 429
    assert not is_logged_in(client)
    # the same user from another address logs in
    elsewhere = Client(REMOTE_ADDR="192.0.2.50")
    assert attempt(elsewhere, "mia", "password").status_code == 302


def test_nine_failures_still_let_the_right_password_in(client, manager):
    for _n in range(9):
        attempt(client, "mia", "wrong")
    response = attempt(client, "mia", "password")
    assert response.status_code == 302
    assert is_logged_in(client)


def test_the_lock_ends_after_15_minutes(client, manager):
    for _n in range(10):
        attempt(client, "mia", "wrong")
    assert attempt(client, "mia", "password").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))
    assert attempt(client, "mia", "password").status_code == 302
    assert is_logged_in(client)


def test_failures_older_than_15_minutes_do_not_count(client, manager):
    for _n in range(9):
        attempt(client, "mia", "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    attempt(client, "mia", "wrong")  # the tenth, but the nine are too old
    assert attempt(client, "mia", "password").status_code == 302


def test_refused_attempts_during_the_lock_do_not_lengthen_it(client, manager):
    for _n in range(10):
        attempt(client, "mia", "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    for _n in range(5):
        assert attempt(client, "mia", "wrong").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))
    assert attempt(client, "mia", "password").status_code == 302


def test_a_successful_login_is_not_counted_and_does_not_reset_an_address(client, manager):
    attacker = UserFactory(username="mallory")
    for _n in range(5):
        attempt(client, "mia", "wrong")
    assert attempt(client, "mallory", "password").status_code == 302  # own account, same address
    client.logout()
    for _n in range(5):
        attempt(client, "mia", "wrong")
    assert attempt(client, "mia", "password").status_code == 429
    assert attacker.is_active


def test_a_forged_forwarded_for_header_does_not_escape_the_address_lock(client, manager, settings):
    settings.TRUST_PROXY_HEADERS = False
    for n in range(10):
        attempt(client, f"guess-{n}", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert attempt(client, "mia", "password", HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429


def test_behind_a_trusted_proxy_the_address_is_the_one_the_proxy_wrote(manager, settings):
    settings.TRUST_PROXY_HEADERS = True
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    for n in range(10):
        attempt(proxy, f"guess-{n}", "wrong", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert attempt(proxy, "mia", "password", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    # another client behind the same proxy is not locked out with it
    assert (
        attempt(Client(REMOTE_ADDR="127.0.0.1"), "mia", "password", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code
        == 302
    )


def test_the_admin_login_is_throttled_too(client, operator):
    for _n in range(10):
        client.post("/admin/login/", {"username": "opal", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "opal", "password": "password"})
    assert response.status_code == 429


def test_a_successful_login_makes_only_a_few_extra_queries(client, manager, django_assert_max_num_queries):
    """django-axes adds a handful of small queries (the failure counts, the clean-up of expired ones, its access
    log) and no delay."""
    with django_assert_max_num_queries(13):
        assert attempt(client, "mia", "password").status_code == 302
