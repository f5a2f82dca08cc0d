"""The usual cast, built with factory-boy. Vehicles are created through the import engine, so they get
the status the machine decides and a history row, exactly as an upload would."""

import itertools

import factory
from django.contrib.auth import get_user_model

from fleet.models import Make, MakeActivation, Membership, Role, Workspace
from vehicles.demo import make_vin
from vehicles.importing.engine import Entry, add_vehicles
from vehicles.models import Vehicle
from vehicles.status.machine import By

_serials = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("password")


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Workspace {n}")
    slug = factory.Sequence(lambda n: f"workspace-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MANAGER


def make_named(name):
    return Make.objects.get_or_create(name=name)[0]


def activate(workspace, make_name):
    make = make_named(make_name)
    MakeActivation.objects.update_or_create(
        workspace=workspace, make=make, defaults={"state": MakeActivation.State.ACTIVE}
    )
    return make


def new_vin(wmi="WBA", length=17):
    """A fresh valid VIN (BMW by default), never handed out twice in a test run."""
    return make_vin(wmi, next(_serials), length=length, seed=7)


def add_vehicle(workspace, vin=None, wmi="WBA", **entry):
    """Upload one VIN through the import engine; returns the Vehicle."""
    vin = vin or new_vin(wmi)
    [result] = add_vehicles(workspace, [Entry(vin=vin, **entry)], By.system("test"))
    return Vehicle.all_objects.get(pk=result.vehicle_id)
