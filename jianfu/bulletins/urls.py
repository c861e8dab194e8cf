from django.urls import path

from . import views

urlpatterns = [
    path("", views.bulletin_list, name="bulletin_list"),
    path("<int:pk>/", views.bulletin_detail, name="bulletin_detail"),
    path("<int:pk>/edit/", views.bulletin_edit, name="bulletin_edit"),
    path("<int:pk>/line/", views.bulletin_line, name="bulletin_line"),
    path("<int:pk>/bulletin.docx", views.bulletin_docx, name="bulletin_docx"),
    path("<int:pk>/bulletin.pdf", views.bulletin_pdf, name="bulletin_pdf"),
    path("<int:pk>/<str:action>/", views.bulletin_act, name="bulletin_act"),
]
