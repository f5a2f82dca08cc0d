import os
import subprocess
import sys
from pathlib import Path

import pytest

from fleet.models import Role
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory, activate, add_vehicle, new_vin
from tests.states import vehicle_in


@pytest.fixture
def workspace(db):
    return WorkspaceFactory(slug="acme", name="Acme Fleet")


@pytest.fixture
def other_workspace(db):
    return WorkspaceFactory(slug="rival", name="Rival Fleet")


@pytest.fixture
def manager(workspace):
    return MembershipFactory(workspace=workspace, user=UserFactory(username="mia"), role=Role.MANAGER).user


@pytest.fixture
def viewer(workspace):
    return MembershipFactory(workspace=workspace, user=UserFactory(username="vic"), role=Role.VIEWER).user


@pytest.fixture
def outsider(other_workspace):
    return MembershipFactory(workspace=other_workspace, user=UserFactory(username="otto"), role=Role.MANAGER).user


@pytest.fixture
def operator(db):
    return UserFactory(username="opal", is_staff=True, is_superuser=True)


@pytest.fixture
def as_manager(client, manager):
    """The test client, logged in as the manager."""
    client.force_login(manager)
    return client


@pytest.fixture
def bmw_active(workspace):
    return activate(workspace, "BMW")


@pytest.fixture
def make_vehicle(workspace):
    """make_vehicle(status) → a vehicle of `workspace` brought to that status through the machine."""

    def build(status="pending", target_workspace=None, **kwargs):
        return vehicle_in(target_workspace or workspace, status, **kwargs)

    return build


__all__ = ["add_vehicle", "new_vin"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def manage_py():
    """manage_py(*args, env=…, timeout=None) runs `manage.py args…` in a Python process of its own, from the
    project's root and with only the environment `env`; returns the CompletedProcess (its output as text)."""

    def run(*args, env, timeout=None):
        command = [sys.executable, "manage.py", *args]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)

    return run


class FailOnCall:
    """Stands in for the method `owner.name`: its `call`-th call raises `error`, the others run the real method.
    `calls` holds the arguments of each call; `restore()` puts the real method back."""

    def __init__(self, monkeypatch, owner, name, call, error):
        self.monkeypatch, self.owner, self.name = monkeypatch, owner, name
        self.real = getattr(owner, name)
        self.calls = []
        stand_in = self

        def failing(self, *args, **kwargs):
            stand_in.calls.append(args)
            if len(stand_in.calls) == call:
                raise error
            return stand_in.real(self, *args, **kwargs)

        monkeypatch.setattr(owner, name, failing)

    def restore(self):
        self.monkeypatch.setattr(self.owner, self.name, self.real)


@pytest.fixture
def fail_on_call(monkeypatch):
    """fail_on_call(owner, name, call, error) → a FailOnCall: a write that fails in the middle of an import."""

    def patch(owner, name, call, error):
        return FailOnCall(monkeypatch, owner, name, call, error)

    return patch


@pytest.fixture
def webhook_settings(settings):
    """Webhooks to the tests' receiver (pytest-httpserver on 127.0.0.1 over http), retried at once."""
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0]
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 20
    return settings


@pytest.fixture(autouse=True)
def _events_invariant(request):
    """After every test on the (non-transactional) test database: every history row has its event and every
    event its rows (tests/events_invariant.py)."""
    names = request.fixturenames
    transactional = (
        "transactional_db" in names
        or "live_server" in names
        or any(marker.kwargs.get("transaction") for marker in request.node.iter_markers("django_db"))
    )
    if transactional or not ("db" in names or request.node.get_closest_marker("django_db")):
        yield
        return
    request.getfixturevalue("db")
    yield
    from django.db import DatabaseError, connection

    from tests import events_invariant

    if connection.needs_rollback:
        return  # the test ended inside a broken transaction: nothing can be read
    try:
        found = events_invariant.problems()
    except DatabaseError:  # a test that takes the database away (tests/test_database_outage.py)
        return
    assert not found, "the change log's invariant is broken:\n" + "\n".join(found[:10])


# --- Browser tests: pytest-playwright driving Debian's Chromium against pytest-django's live server ---
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-results" / "screenshots"

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; .ci/run does)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  const where = e.sourceFile + ":" + e.lineNumber;
  window.__fleetCspViolation([e.violatedDirective, e.blockedURI || "inline", where].join(" "));
});
"""


class CspViolations(list):
    """Every Content-Security-Policy violation the browser reported during a test. `allow(text)` names one that
    the test expects (the policy blocking something on purpose); any other fails the test."""

    def __init__(self):
        super().__init__()
        self.allowed = []

    def allow(self, text):
        self.allowed.append(text)

    def unexpected(self):
        return [v for v in self if not any(text in v for text in self.allowed)]


@pytest.fixture
def csp_violations():
    return CspViolations()


@pytest.fixture
def page(page, csp_violations):
    """Playwright's page, failing the test on any Content-Security-Policy violation: the `securitypolicyviolation`
    events of every document and Chromium's console reports of them (workers included)."""
    page.expose_function("__fleetCspViolation", lambda text: csp_violations.append(f"{page.url}: {text}"))
    page.add_init_script(CSP_LISTENER)
    page.on(
        "console",
        lambda message: (
            csp_violations.append(f"{page.url}: console: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    unexpected = csp_violations.unexpected()
    assert unexpected == [], "Content-Security-Policy violations:\n" + "\n".join(unexpected)


@pytest.fixture
def login(page, live_server):
    """login(username, password=None) logs the browser in through the login page; returns the page."""

    def do(username, password=None):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password or "password")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        return page

    return do


@pytest.fixture
def screenshot(page, request):
    """screenshot(step) saves test-results/screenshots/<test>/<n>-<step>.png."""
    folder = SCREENSHOTS / request.node.name.replace("/", "_")
    folder.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def take(step):
        counter["n"] += 1
        page.screenshot(path=str(folder / f"{counter['n']:02d}-{step}.png"), full_page=True)

    return take


@pytest.fixture
def axe(page):
    """axe(context=None) runs axe-core in the page; returns the serious and critical violations."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm install; make test does it where npm exists)")

    def run(context=None):
        # Evaluated through the DevTools protocol, not as a <script> element: the page's CSP allows no inline script.
        page.evaluate(AXE.read_text() + "\n;undefined")
        result = page.evaluate("async (ctx) => await axe.run(ctx || document, {resultTypes: ['violations']})", context)
        return [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return run
