"""Each registry kind's own checks before a write (registry.kinds names them): what the shared
checks in services (title, counts within bounds, plausible dates) do not cover. Each raises a
DomainError on the field at fault."""

from django.utils.translation import gettext as _

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
