from django.urls import path

from jianfu.core.imports import views as import_views

from . import status_views, views

urlpatterns = [
    path("status/", status_views.overview, name="quota_overview"),
    path("status/<int:pk>/", status_views.unit_status, name="quota_unit"),
    path("quotas/", views.quota_list, name="quota_settings"),
    path("quotas/cell/", views.quota_cell, name="quota_cell"),
    path("quotas/bulk/", views.quota_bulk, name="quota_bulk"),
    path(
        "quotas/import/",
        import_views.upload,
        {"kind": "registry.quota"},
        name="quota_import",
    ),
    path("quotas/template.xlsx", views.quota_template, name="quota_template"),
]
