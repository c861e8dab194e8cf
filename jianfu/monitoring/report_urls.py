"""The reporter's pages, under /report/."""

from django.urls import path

from . import report_views

urlpatterns = [
    path("", report_views.report_home, name="report_home"),
    path("<int:point>/<str:period>/", report_views.report_fill, name="report_fill"),
    path("<int:point>/<str:period>/done/", report_views.report_done, name="report_done"),
    path("<int:point>/<str:period>/history/", report_views.report_history, name="report_history"),
]
