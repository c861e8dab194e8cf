"""The ledger in Excel, besides its import: a unit's ledger exported in the usual 整改台账 layout,
and the blank import template (ledger_export). The import page is the shared one
(core.imports.views) for the spec ledger_import.SPEC.

The unit is reached through scope.get_for: 404 outside the account's units, 403 without the code.
"""

from django.contrib.auth.decorators import login_required
from django.urls import path
from django.utils.translation import gettext as _

from jianfu.core import excel, scope
from jianfu.core.imports import views as import_views
from jianfu.core.models import Unit

from .ledger_export import export_filename, export_ledger, template
from .services import EDIT, VIEW


@login_required
def ledger_export(request, unit_id: int):
    """?merge=0 writes every row complete (for editing and importing again)."""
    unit = scope.get_for(Unit, request.user, unit_id, perm=VIEW, unit_field=None)
    merged = request.GET.get("merge") != "0"
    data = export_ledger(unit, by=request.user, merged=merged)  # audited there
    return excel.xlsx_response(data, export_filename(unit))


@login_required
def ledger_template(request):
    scope.require(request.user, EDIT)
    home = request.user.home_unit
    data = template(home.name if home else "")
    return excel.xlsx_response(data, _("整改台账导入模板") + ".xlsx")


urlpatterns = [
    path("units/<int:unit_id>/ledger.xlsx", ledger_export, name="ledger_export"),
    path(
        "units/<int:unit_id>/import/",
        import_views.upload,
        {"kind": "rectification.ledger"},
        name="ledger_import",
    ),
    path("ledger-template.xlsx", ledger_template, name="ledger_template"),
]
