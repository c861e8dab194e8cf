from django.urls import path

from . import views

urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/close/", views.unit_close, name="unit_close"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/edit/", views.account_edit, name="account_edit"),
    path("accounts/<int:pk>/active/", views.account_active, name="account_active"),
    path("accounts/<int:pk>/reset/", views.account_reset, name="account_reset"),
    path("accounts/<int:pk>/roles/", views.account_roles, name="account_roles"),
    path("accounts/<int:pk>/unlock/", views.account_unlock, name="account_unlock"),
    path(
        "accounts/<int:pk>/two-factor/reset/",
        views.account_two_factor_reset,
        name="account_two_factor_reset",
    ),
    path("settings/", views.setting_list, name="setting_list"),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("audit/", views.audit_list, name="audit_list"),
    path("system/", views.system_status, name="system_status"),
    path("audit/verify/", views.audit_verify, name="audit_verify"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/delete/", views.calendar_delete, name="calendar_delete"),
]
