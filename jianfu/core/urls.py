from django.urls import path

from . import dashboard_views, two_factor_views, views
from .imports import job_views
from .imports import views as import_views

# The administrators' pages (units, accounts, settings, tokens, audit, calendar) are in
# jianfu/administration/urls.py, under the same root.
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("login/", views.login_view, name="login"),
    path("login/verify/", two_factor_views.login_verify, name="login_verify"),
    path("login/enrol/", two_factor_views.login_enrol, name="login_enrol"),
    path("logout/", views.logout_view, name="logout"),
    path("two-factor/", two_factor_views.two_factor_page, name="two_factor"),
    path("dashboard/", dashboard_views.city, name="dashboard"),
    path("dashboard/unit/<int:pk>/", dashboard_views.unit_profile, name="dashboard_unit"),
    path("password/", views.password_change, name="password_change"),
    path("units/import/", import_views.upload, {"kind": "units"}, name="unit_import"),
    path("units/export.xlsx", views.unit_export, name="unit_export"),
    path("units/template.xlsx", views.unit_template, name="unit_template"),
    *job_views.urlpatterns,
]
