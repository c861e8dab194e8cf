"""Each registry kind's own checks before a write (registry.kinds names them): what the shared
checks in services (title, counts within bounds, plausible dates) do not cover. Each raises a
DomainError on the field at fault.

Below them, the same rules said of a row of an imported sheet (registry.importers.records), each
problem on its cell, in the words the import page shows."""

from django.utils.translation import gettext as _

from jianfu.core import parsing
from jianfu.core.errors import DomainError

from .models import Document, DocumentKind, MeetingForm


def check_document(obj) -> None:
    if obj.kind not in DocumentKind.values:
        raise DomainError("bad_kind", _("未知的文件类型。"), field="kind")
    if obj.kind == DocumentKind.RED_HEADER and not obj.number.strip():
        raise DomainError("required", _("红头文件须填写文号。"), field="number")
    if (
        obj.number
        and Document.objects.filter(unit=obj.unit, number=obj.number).exclude(pk=obj.pk).exists()
    ):
        raise DomainError(
            "duplicate_number", _("文号“%(n)s”已经登记过。") % {"n": obj.number}, field="number"
        )


def check_meeting(obj) -> None:
    if obj.starts_at and obj.ends_at and obj.ends_at <= obj.starts_at:
        raise DomainError("end_before_start", _("结束时间须晚于开始时间。"), field="ends_at")
    if obj.form == MeetingForm.MERGED and obj.merged_with_id == obj.pk and obj.pk:
        raise DomainError("bad_merge", _("会议不能与自身合并。"), field="merged_with")


def check_inspection(obj) -> None:
    if obj.ends_on < obj.starts_on:
        raise DomainError("end_before_start", _("结束日期不能早于开始日期。"), field="ends_on")


# --- A row of an imported sheet -----------------------------------------------------------------
# row_check(sheet, row): `row.values` are the row's parsed fields, `row.extra` its other columns;
# problems go to sheet.error(row, column, message). Called for every row: most have nothing to
# check, so each returns as soon as it sees that.


def check_document_row(sheet, r) -> None:
    v = r.values
    if v.get("kind") == DocumentKind.RED_HEADER and not v.get("number"):
        sheet.error(r, "number" if sheet.has("number") else "kind", _("红头文件须填写文号。"))


def check_meeting_row(sheet, r) -> None:
    v = r.values
    start, end = v.get("starts_at"), v.get("ends_at")
    if start is not None and end is not None and end <= start:
        sheet.error(
            r,
            "ends_at",
            _("结束时间 %(e)s 不晚于开始时间 %(s)s。")
            % {"e": end.strftime("%H:%M"), "s": start.strftime("%H:%M")},
        )
    # 合并到 (the column is named for the field): the meeting it merges into.
    if r.extra.get("merged_with") and sheet.has("form") and v.get("form") != MeetingForm.MERGED:
        sheet.error(
            r,
            "merged_with",
            _("填写了“合并到”，会议形式应为“%(f)s”。")
            % {"f": parsing.Choices(MeetingForm).labels[MeetingForm.MERGED]},
        )


def check_inspection_row(sheet, r) -> None:
    v = r.values
    start, end = v.get("starts_on"), v.get("ends_on")
    if start is not None and end is not None and end < start:
        sheet.error(
            r,
            "ends_on",
            _("结束日期 %(e)s 早于开始日期 %(s)s。")
            % {"e": end.isoformat(), "s": start.isoformat()},
        )
    if sheet.has("ends_on") and start is not None and end is None:
        v["ends_on"] = start  # an empty cell: the inspection lasts one day
