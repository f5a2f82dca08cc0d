"""With DEBUG off and a real secret key (a subprocess with a production environment, not pytest's settings):
`check --deploy` is clean, the session and CSRF cookies are `__Host-`, Secure and (the session) HttpOnly, HSTS is
sent, and X-Forwarded-Proto is trusted only when TRUST_PROXY_HEADERS says a proxy of ours is in front."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def production_env(tmp_path, **extra):
    return {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "fleet.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def run(args, env, **kwargs):
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, **kwargs)


def test_check_deploy_is_clean_with_debug_off_and_a_real_secret_key(tmp_path):
    for extra in ({}, {"TRUST_PROXY_HEADERS": "1"}):
        result = run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            production_env(tmp_path, **extra),
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "System check identified no issues" in result.stdout


SCRIPT = """
import json, django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.contrib.auth.models import User
from django.test import Client

call_command("migrate", verbosity=0)
User.objects.create_user("mia", password="a-long-password-of-mia")
client = Client(HTTP_HOST="fleet.example")
login = client.get("/accounts/login/", secure=True)
done = client.post("/accounts/login/", {"username": "mia", "password": "a-long-password-of-mia"}, secure=True)
plain = Client(HTTP_HOST="fleet.example").get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")

def cookie(response, name):
    morsel = response.cookies[name]
    return {key: morsel[key] for key in ("secure", "httponly", "path", "domain", "samesite")}

print(json.dumps({
    "csrf": cookie(login, "__Host-csrftoken"),
    "session": cookie(done, "__Host-sessionid"),
    "login": done.status_code,
    "hsts": login.get("Strict-Transport-Security"),
    "csp": login.get("Content-Security-Policy"),
    "proxied_http": plain.status_code,
    "proxy_header": settings.SECURE_PROXY_SSL_HEADER,
}))
"""

SETTINGS = """
from fleet.settings import *  # noqa: F403 (production settings, but no collectstatic manifest needed)
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
"""


def production_answers(tmp_path, **extra):
    (tmp_path / "prod_settings.py").write_text(SETTINGS)
    env = production_env(tmp_path, PYTHONPATH=f"{tmp_path}:{ROOT}", DJANGO_SETTINGS_MODULE="prod_settings", **extra)
    result = run([sys.executable, "-c", SCRIPT], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_cookies_are_host_prefixed_secure_and_the_session_http_only(tmp_path):
    answers = production_answers(tmp_path)
    assert answers["login"] == 302
    csrf, session = answers["csrf"], answers["session"]
    assert (csrf["secure"], csrf["path"], csrf["domain"]) == (True, "/", "")  # what __Host- requires
    assert (session["secure"], session["httponly"], session["path"], session["domain"]) == (True, True, "/", "")
    assert session["samesite"] == csrf["samesite"] == "Lax"
    assert answers["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "'unsafe-inline'" not in answers["csp"]
    # Without TRUST_PROXY_HEADERS a client's X-Forwarded-Proto is not believed: plain HTTP is redirected.
    assert answers["proxy_header"] is None
    assert answers["proxied_http"] == 301


def test_behind_the_trusted_proxy_x_forwarded_proto_counts(tmp_path):
    answers = production_answers(tmp_path, TRUST_PROXY_HEADERS="1")
    assert answers["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert answers["proxied_http"] == 200
