from django.urls import path

from . import views

urlpatterns = [
    path("", views.signal_list, name="signal_list"),
    path("rules/", views.signal_rules, name="signal_rules"),
    path("bulk/", views.signal_bulk, name="signal_bulk"),
    path("<int:pk>/", views.signal_detail, name="signal_detail"),
    path("<int:pk>/confirm/", views.signal_confirm, name="signal_confirm"),
    path("<int:pk>/dismiss/", views.signal_dismiss, name="signal_dismiss"),
]
