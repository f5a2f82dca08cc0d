import pytest

from fleet.models import Role

from .factories import MembershipFactory, UserFactory, WorkspaceFactory, activate, add_vehicle, new_vin
from .states import vehicle_in


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
def bmw_active(workspace):
    return activate(workspace, "BMW")


@pytest.fixture
def make_vehicle(workspace):
    """make_vehicle(status) → a vehicle of `workspace` brought to that status through the machine."""

    def build(status="pending", target_workspace=None, **kwargs):
        return vehicle_in(target_workspace or workspace, status, **kwargs)

    return build


__all__ = ["add_vehicle", "new_vin"]
