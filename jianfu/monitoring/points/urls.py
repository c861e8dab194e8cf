from django.urls import path

from . import views

urlpatterns = [
    path("points/", views.point_list, name="point_list"),
    path("points/new/", views.point_create, name="point_create"),
    path("points/<int:pk>/", views.point_detail, name="point_detail"),
    path("points/<int:pk>/edit/", views.point_edit, name="point_edit"),
    path("points/<int:pk>/close/", views.point_close, name="point_close"),
    path("points/<int:pk>/reports/<str:period>/", views.point_report, name="point_report"),
    path("reports/", views.report_list, name="report_list"),
    path("completeness/", views.completeness, name="completeness"),
    path("completeness/remind/", views.completeness_remind, name="completeness_remind"),
    path("periods/toggle/", views.period_toggle, name="period_toggle"),
    path("reminders/read/", views.reminder_read, name="reminder_read"),
]
