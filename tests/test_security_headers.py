"""Headers and sessions: a Content-Security-Policy without 'unsafe-inline' scripts on every page (inline scripts
carry the request's nonce; templates have no inline handler or style), Permissions-Policy, no-store on
authenticated pages, an idle session timeout, no password reset."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from fleet.headers import TOUCHED

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def pages(vehicle):
    slug = vehicle.workspace.slug
    return [
        reverse("vehicles:list", args=[slug]),
        reverse("vehicles:detail", args=[slug, vehicle.vin]),
        reverse("vehicles:confirm", args=[slug, vehicle.vin, "disable"]),
        reverse("vehicles:upload", args=[slug]),
        reverse("vehicles:imports", args=[slug]),
        reverse("vehicles:makes", args=[slug]),
        reverse("api_access:page", args=[slug]),
        reverse("workspace-list"),
    ]


def policy_of(response):
    return dict(
        (part.split()[0], part.split()[1:]) for part in response["Content-Security-Policy"].split(";") if part.strip()
    )


def assert_no_unnonced_inline_script(body, nonce):
    for tag in re.findall(r"<script\b[^>]*>", body):
        assert "src=" in tag or f'nonce="{nonce}"' in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", body), "inline event handler"
    assert "hx-on" not in body
    assert not re.search(r"\sstyle\s*=", body), "inline style attribute"


def test_every_page_has_a_policy_with_no_unsafe_inline_script_and_nonces_on_inline_scripts(as_manager, make_vehicle):
    vehicle = make_vehicle("enabled")
    for url in pages(vehicle):
        response = as_manager.get(url)
        assert response.status_code == 200, url
        policy = policy_of(response)
        script_src = policy["script-src"]
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, url
        assert [s for s in script_src if not s.startswith("'nonce-")] == ["'self'"], url
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"] and policy["style-src"] == ["'self'"]
        nonce = script_src[-1].removeprefix("'nonce-").rstrip("'")
        assert_no_unnonced_inline_script(response.content.decode(), nonce)


def test_the_login_page_has_the_policy_too(client, db):
    response = client.get(reverse("login"))
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_api_reference_pages_loosen_styles_only(client, db, url):
    response = client.get(url)
    assert response.status_code == 200
    policy = policy_of(response)
    assert policy["script-src"] == ["'self'"]  # and no inline script: Swagger UI's set-up is /api/docs/?script
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["connect-src"] == ["'self'"]
    body = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", body):
        assert "src=" in tag, tag


def test_the_swagger_ui_set_up_script_is_served_from_its_own_url(client, db):
    response = client.get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()


def test_no_template_has_an_inline_script_handler_or_style():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or "nonce=" in tag, f"{path}: {tag}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"{path}: inline event handler"
        assert "hx-on" not in text, f"{path}: hx-on is inline script"
        assert not re.search(r"\sstyle\s*=", text), f"{path}: inline style attribute"
        assert "<style" not in text, f"{path}: inline style element"


def test_htmx_injects_no_style_and_evaluates_nothing(as_manager, workspace):
    body = as_manager.get(reverse("vehicles:list", args=[workspace.slug])).content.decode()
    assert '"includeIndicatorStyles": false' in body and '"allowEval": false' in body


def test_permissions_policy_denies_camera_microphone_and_geolocation(client, db):
    for response in (client.get(reverse("login")), client.get("/api/docs/")):
        policy = response["Permissions-Policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
            assert feature in policy


def test_authenticated_pages_are_not_stored(as_manager, make_vehicle):
    vehicle = make_vehicle("enabled")
    for url in pages(vehicle):
        assert "no-store" in as_manager.get(url)["Cache-Control"], url


def test_an_anonymous_page_keeps_its_own_cache_headers(client, db):
    # the login page says never-cache itself (Django's LoginView)
    assert "no-store" in client.get(reverse("login"))["Cache-Control"]


def test_a_session_ends_after_8_hours_without_a_request(as_manager, workspace, settings):
    assert settings.SESSION_IDLE_TIMEOUT == 8 * 3600 == settings.SESSION_COOKIE_AGE
    url = reverse("vehicles:list", args=[workspace.slug])
    assert as_manager.get(url).status_code == 200
    session = Session.objects.get()
    assert session.expire_date == pytest.approx(timezone.now() + timedelta(hours=8), abs=timedelta(seconds=30))
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))  # 8 h later
    response = as_manager.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_session_in_use_is_extended_with_at_most_one_write_a_minute(as_manager, workspace):
    url = reverse("vehicles:list", args=[workspace.slug])
    as_manager.get(url)
    first = Session.objects.get().expire_date
    as_manager.get(url)
    assert Session.objects.get().expire_date == first  # touched less than a minute ago: not written
    store = as_manager.session
    store[TOUCHED] -= 61
    store.save()
    Session.objects.update(expire_date=timezone.now() + timedelta(hours=1))  # as if 7 h had passed
    assert as_manager.get(url).status_code == 200
    assert Session.objects.get().expire_date > timezone.now() + timedelta(hours=7, minutes=59)


def test_there_is_no_password_reset(client, db):
    for name in ("password_reset", "password_reset_done", "password_reset_confirm"):
        with pytest.raises(NoReverseMatch):
            reverse(name)
    assert client.get("/accounts/password_reset/").status_code == 404
    assert "password_reset" not in client.get(reverse("login")).content.decode()
    assert client.get("/admin/login/").status_code == 200
    assert "Forgotten your password" not in client.get("/admin/login/").content.decode()
