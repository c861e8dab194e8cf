"""Felt against registered, under /felt/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.felt_overview, name="felt_overview"),
    path("<int:pk>/", views.felt_county, name="felt_county"),
]
