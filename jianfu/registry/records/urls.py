from django.urls import path

from jianfu.core.imports import views as import_views

from ..kinds import KINDS
from . import views

urlpatterns = [
    path("counting/", views.counting_rules, name="counting_rules"),
]

# The registries share their views; the URL names carry the kind ("document_list", …).
for k in KINDS.values():
    code, prefix, kind = k.code, k.slug, {"kind": k.code}
    urlpatterns += [
        path(f"{prefix}/", views.record_list, kind, name=f"{code}_list"),
        path(f"{prefix}/new/", views.record_create, kind, name=f"{code}_create"),
        path(
            f"{prefix}/import/",
            import_views.upload,
            {"kind": f"registry.{code}"},
            name=f"{code}_import",
        ),
        path(f"{prefix}/export.xlsx", views.record_export, kind, name=f"{code}_export"),
        path(f"{prefix}/template.xlsx", views.record_template, kind, name=f"{code}_template"),
        path(f"{prefix}/counting/", views.counting_preview, kind, name=f"{code}_counting"),
        path(f"{prefix}/<int:pk>/", views.record_detail, kind, name=f"{code}_detail"),
        path(f"{prefix}/<int:pk>/edit/", views.record_edit, kind, name=f"{code}_edit"),
        path(f"{prefix}/<int:pk>/delete/", views.record_delete, kind, name=f"{code}_delete"),
    ]
