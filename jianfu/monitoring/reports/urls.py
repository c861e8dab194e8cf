"""The reporter's pages, under /report/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.report_home, name="report_home"),
    path("<int:point>/<str:period>/", views.report_fill, name="report_fill"),
    path("<int:point>/<str:period>/done/", views.report_done, name="report_done"),
    path("<int:point>/<str:period>/history/", views.report_history, name="report_history"),
]
