"""After seed_demo, the demo users log in through the login page and land where SPEC.md says."""

import pytest
from django.core.management import call_command


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    settings.DEBUG = False


@pytest.mark.parametrize(
    "username, landing",
    [
        ("manager", "/workspaces/demo-fleet/vehicles/"),
        ("viewer", "/workspaces/demo-fleet/vehicles/"),
        ("other", "/workspaces/other-fleet/vehicles/"),
    ],
)
def test_demo_users_log_in_and_land_on_their_vin_table(client, demo, username, landing):
    response = client.post("/accounts/login/", {"username": username, "password": username}, follow=True)
    assert response.redirect_chain[-1][0] == landing
    assert response.status_code == 200


def test_a_wrong_password_is_refused(client, demo):
    response = client.post("/accounts/login/", {"username": "manager", "password": "nope"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()


def test_the_demo_admin_reaches_django_admin(client, demo):
    assert client.login(username="admin", password="admin")
    assert client.get("/admin/vehicles/vehicle/").status_code == 200


def test_the_login_page_is_served(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
