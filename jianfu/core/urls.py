from django.urls import path

from . import dashboard_views, views
from .imports import job_views
from .imports import views as import_views

# The administrators' pages (units, accounts, settings, tokens, audit, calendar) are in
# jianfu/administration/urls.py, under the same root.
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("dashboard/", dashboard_views.city, name="dashboard"),
    path("dashboard/unit/<int:pk>/", dashboard_views.unit_profile, name="dashboard_unit"),
    path("password/", views.password_change, name="password_change"),
    path("units/import/", import_views.upload, {"kind": "units"}, name="unit_import"),
    path("units/export.xlsx", views.unit_export, name="unit_export"),
    path("units/template.xlsx", views.unit_template, name="unit_template"),
    *job_views.urlpatterns,
]
