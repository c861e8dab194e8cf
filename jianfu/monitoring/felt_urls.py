"""Felt against registered, under /felt/."""

from django.urls import path

from . import felt_views

urlpatterns = [
    path("", felt_views.felt_overview, name="felt_overview"),
    path("<int:pk>/", felt_views.felt_county, name="felt_county"),
]
