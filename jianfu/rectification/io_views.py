"""The ledger in Excel: a unit's ledger exported in the usual 整改台账 layout, the blank import
template (ledger_io), and the import of a ledger a unit kept in Excel (ledger_import).

The unit is reached through scope.get_for: 404 outside the account's units, 403 without the code.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import excel, scope
from jianfu.core.errors import DomainError
from jianfu.core.imports import job_views as import_views
from jianfu.core.models import Unit

from . import ledger_io
from .ledger_import import import_ledger
from .models import Source
from .services import CREATE, EDIT, VIEW

# A signal becomes a problem by being confirmed, never by a file.
IMPORT_SOURCES = [(v, label) for v, label in Source.choices if v != Source.SIGNAL]


class LedgerImportForm(forms.Form):
    source = forms.ChoiceField(
        label=gettext_lazy("问题来源"),
        choices=IMPORT_SOURCES,
        initial=Source.SELF_EXAM,
        help_text=gettext_lazy("文件中所有问题都记为这一来源。"),
    )
    file = forms.FileField(
        label=gettext_lazy("台账文件"),
        help_text=gettext_lazy("支持 .xlsx、.xls、.csv（UTF-8 或 GBK）。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )


def run_import(importer, upload, **kwargs) -> tuple[object | None, list[excel.SheetError]]:
    """(what `importer` returned, []) for an upload it took; (None, the errors to list on the
    page) when the file, or a DomainError, refused it."""
    try:
        return importer(filename=upload.name, data=excel.read_upload(upload), **kwargs), []
    except excel.ImportFailed as e:
        return None, e.errors
    except DomainError as e:
        return None, [excel.SheetError(None, None, str(e.message))]


def _ledger_url(unit: Unit) -> str:
    try:
        return reverse("rect_ledger", args=[unit.pk])
    except NoReverseMatch:  # the ledger page is another module's; keep this one usable alone
        return reverse("ledger_import", args=[unit.pk])


@login_required
def ledger_export(request, unit_id: int):
    """?merge=0 writes every row complete (for editing and importing again)."""
    unit = scope.get_for(Unit, request.user, unit_id, perm=VIEW, unit_field=None)
    merged = request.GET.get("merge") != "0"
    data = ledger_io.export_ledger(unit, by=request.user, merged=merged)  # audited there
    return excel.xlsx_response(data, ledger_io.export_filename(unit))


@login_required
def ledger_template(request):
    scope.require(request.user, EDIT)
    home = request.user.home_unit
    data = ledger_io.template(home.name if home else "")
    return excel.xlsx_response(data, _("整改台账导入模板") + ".xlsx")


@login_required
@import_views.upload_page
def ledger_import(request, unit_id: int):
    unit = scope.get_for(Unit, request.user, unit_id, perm=CREATE, unit_field=None)
    scope.require(request.user, EDIT)
    form = LedgerImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        record, errors = run_import(
            import_ledger,
            form.cleaned_data["file"],
            by=request.user,
            unit=unit,
            source=form.cleaned_data["source"],
        )
        if record is not None:
            messages.success(
                request,
                _("导入完成：登记问题 %(p)s 个、整改措施 %(m)s 条。")
                % {"p": record.created, "m": record.measures_created}
                + excel.skipped_examples(getattr(record, "examples", [])),
            )
            return redirect(_ledger_url(unit))
    return render(
        request,
        "rectification/io_import.html",
        {
            "unit": unit,
            "form": form,
            "errors": errors,
            "back_url": _ledger_url(unit),
            "template_url": reverse("ledger_template"),
            "flat_export_url": reverse("ledger_export", args=[unit.pk]) + "?merge=0",
        },
        status=400 if errors else 200,
    )


urlpatterns = [
    path("units/<int:unit_id>/ledger.xlsx", ledger_export, name="ledger_export"),
    path("units/<int:unit_id>/import/", ledger_import, name="ledger_import"),
    path("ledger-template.xlsx", ledger_template, name="ledger_template"),
]
