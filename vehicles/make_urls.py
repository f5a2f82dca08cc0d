"""The Makes page of a workspace: its vehicles' makes, their activation, and the manager's requests."""

from django.urls import path

from . import make_views

urlpatterns = [
    path("", make_views.make_list, name="makes"),
    path("<int:make_id>/request/", make_views.request_activation, name="make-request"),
]
