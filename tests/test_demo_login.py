"""After seed_demo, the demo users log in through the login page and land where SPEC.md says."""

from django.core.management import call_command

LANDINGS = {
    "manager": "/workspaces/demo-fleet/vehicles/",
    "viewer": "/workspaces/demo-fleet/vehicles/",
    "other": "/workspaces/other-fleet/vehicles/",
}


def test_demo_users_log_in_land_on_their_vin_table_and_the_admin_reaches_django_admin(client, db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    settings.DEBUG = False

    wrong = client.post("/accounts/login/", {"username": "manager", "password": "nope"})
    assert wrong.status_code == 200 and "did not match" in wrong.content.decode()

    for username, landing in LANDINGS.items():
        response = client.post("/accounts/login/", {"username": username, "password": username}, follow=True)
        assert (response.status_code, response.redirect_chain[-1][0]) == (200, landing), username
        client.logout()

    client.post("/admin/login/", {"username": "admin", "password": "admin"})
    assert client.get("/admin/vehicles/vehicle/").status_code == 200


def test_the_login_page_is_served(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
