"""Forms of the proposals' pages. One proposal form for the three categories: the fields of each
are grouped on the page and the static script shows the chosen category's group (without it, all
show, each group headed). The services decide the rest (scope, plan items, transitions); their
DomainErrors land on the fields named here, with what the person typed kept."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jianfu.core.inputs import QuickSelectMultiple, TextField
from jianfu.core.models import Unit
from jianfu.rectification.problems.forms import StyledForm
from jianfu.registry.models import (
    MAX_ATTENDEES,
    MAX_FORMS,
    Category,
    DocumentKind,
    InspectionKind,
    InspectionMethod,
    Level,
    MeetingForm,
    MeetingLevel,
)

from .models import MAX_MINUTES
from .services import CATEGORY_FIELDS


class PlanItemSelect(forms.Select):
    """Each plan item's option carries its category, so the page's script offers only the chosen
    category's items."""

    categories: dict = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        category = self.categories.get(str(value))
        if category:
            option["attrs"]["data-category"] = category
        return option


def _date(label, **kwargs):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return forms.DateField(label=label, widget=widget, required=False, **kwargs)


def _blank(choices):
    return [("", "—"), *choices]


def _after(names: tuple[str, ...], anchor: str, extra: str) -> tuple[str, ...]:
    at = names.index(anchor) + 1
    return (*names[:at], extra, *names[at:])


def _levels(label):
    return forms.MultipleChoiceField(
        label=label,
        choices=Level.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ProposalForm(StyledForm):
    category = forms.ChoiceField(
        label=_("类别"), choices=Category.choices, widget=forms.RadioSelect
    )
    title = TextField(label=_("标题"), max_length=300)
    plan_item = forms.ChoiceField(
        label=_("对应年度计划事项"), required=False, widget=PlanItemSelect
    )
    out_of_plan_reason = TextField(
        label=_("计划外事由（一事一报）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("未列入年度计划的，须说明必须印发（召开、开展）的理由。"),
    )
    # A document.
    document_kind = forms.ChoiceField(
        label=_("文件类型"), choices=_blank(DocumentKind.choices), required=False
    )
    special_task = forms.BooleanField(label=_("专项任务文件（篇幅上限较短）"), required=False)
    draft_text = TextField(
        label=_("文稿正文"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("可直接粘贴正文，也可上传 Word（.docx）或 PDF 文稿，系统读取其中文字。"),
    )
    file = forms.FileField(
        label=_("上传文稿"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.pdf"}),
        help_text=_("Word（.docx）或 PDF；上传后以文件中的文字为正文。"),
    )
    implements_title = TextField(label=_("贯彻落实的上级文件"), max_length=300, required=False)
    implements_text = TextField(
        label=_("上级文件正文（用于比对）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    addressed_levels = _levels(_("发至层级"))
    assigns_work = forms.BooleanField(label=_("向基层布置工作"), required=False)
    # A meeting.
    meeting_level = forms.ChoiceField(
        label=_("会议层级"), choices=_blank(MeetingLevel.choices), required=False
    )
    meeting_form = forms.ChoiceField(
        label=_("会议形式"), choices=_blank(MeetingForm.choices), required=False
    )
    planned_on = _date(_("拟召开日期"))
    length_minutes = forms.IntegerField(
        label=_("会议时长（分钟）"), min_value=1, max_value=MAX_MINUTES, required=False
    )
    attend_levels = _levels(_("参会层级"))
    grassroots_required = forms.BooleanField(label=_("要求基层参会"), required=False)
    attendees_expected = forms.IntegerField(
        label=_("基层参会人数"), min_value=0, max_value=MAX_ATTENDEES, required=False
    )
    merge_note = TextField(
        label=_("能否合并召开或视频召开的说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # An inspection.
    inspection_kind = forms.ChoiceField(
        label=_("督查检查考核类别"), choices=_blank(InspectionKind.choices), required=False
    )
    method = forms.ChoiceField(
        label=_("方式"), choices=_blank(InspectionMethod.choices), required=False
    )
    targets = forms.MultipleChoiceField(
        label=_("检查对象"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        error_messages={"invalid_choice": _("所选检查对象不在可选范围内。")},
    )
    starts_on = _date(_("拟开始日期"))
    ends_on = _date(_("拟结束日期"))
    materials_demanded = TextField(
        label=_("要求提供的材料"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    forms_demanded = forms.IntegerField(
        label=_("要求报送表格材料数"), min_value=0, max_value=MAX_FORMS, required=False
    )

    # The fields each category shows, in the order drawn: the services' own lists, with the
    # attached draft after the typed one and the targets of an inspection after its method.
    GROUPS = {
        Category.DOCUMENT: _after(CATEGORY_FIELDS[Category.DOCUMENT], "draft_text", "file"),
        Category.MEETING: CATEGORY_FIELDS[Category.MEETING],
        Category.INSPECTION: _after(CATEGORY_FIELDS[Category.INSPECTION], "method", "targets"),
    }

    def __init__(self, *args, unit: Unit, plan_items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan_item"].choices = [("", _("（不在计划内，一事一报）"))] + [
            (str(i.pk), f"{i.get_category_display()} · {i}") for i in plan_items
        ]
        self.fields["plan_item"].widget.categories = {str(i.pk): i.category for i in plan_items}
        self.fields["targets"].choices = [(str(u.pk), u.name) for u in target_units(unit)]
        self.restyle()

    def groups(self):
        """[(category, label, [bound fields])] for the template."""
        labels = dict(Category.choices)
        return [(c, labels[c], [self[n] for n in names]) for c, names in self.GROUPS.items()]

    def service_data(self) -> dict:
        d = dict(self.cleaned_data)
        d["plan_item_id"] = int(d.pop("plan_item")) if d.get("plan_item") else None
        d.pop("file", None)
        d.pop("targets", None)
        return d

    def put_error(self, error) -> None:
        field = {"plan_item_id": "plan_item", "file": "file", "units": None}.get(
            error.field, error.field
        )
        self.add_error(field if field in self.fields else None, str(error.message))


def target_units(unit: Unit):
    """Whom an inspection may target: the unit's own subordinates, and the counties of its city
    (a city department inspects the counties)."""
    root_path = unit.path[: Unit.steplen]
    return (
        Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1)
        | Unit.objects.filter(path__startswith=root_path, kind="county").exclude(pk=unit.pk)
    ).order_by("path")


def initial_of(p) -> dict:
    """The form's initial values from a saved proposal."""
    data = {name: getattr(p, name) for name in ProposalForm.base_fields if hasattr(p, name)}
    data.pop("file", None)
    data["plan_item"] = str(p.plan_item_id) if p.plan_item_id else ""
    data["targets"] = [str(pk) for pk in p.targets.values_list("pk", flat=True)]
    return data


class ReturnForm(StyledForm):
    reasons = TextField(
        label=_("退回理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("写明须修改之处，如篇幅超限、可与某会合并、检查对象重复等。"),
    )


class ApproveForm(StyledForm):
    note = TextField(
        label=_("审核意见（可选）"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class IssueForm(StyledForm):
    number = TextField(label=_("文号"), max_length=80, required=False)
    issued_on = _date(_("发文日期"))
    held_on = _date(_("会议日期"))
    starts_on = _date(_("开始日期"))
    ends_on = _date(_("结束日期"))

    def __init__(self, *args, category: str, **kwargs):
        super().__init__(*args, **kwargs)
        keep = {
            Category.DOCUMENT: ("number", "issued_on"),
            Category.MEETING: ("held_on",),
            Category.INSPECTION: ("starts_on", "ends_on"),
        }[category]
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
            elif name != "number":
                self.fields[name].required = True

    def put_error(self, error) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, str(error.message))


class EnrolForm(StyledForm):
    units = forms.MultipleChoiceField(
        label=_("单位"),
        widget=QuickSelectMultiple(attrs={"size": 10}),
        error_messages={"invalid_choice": _("请选择您范围内的单位。")},
    )
    since = _date(_("纳入关口管理日期"))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].choices = [(str(pk), name) for pk, name in units]
        self.fields["since"].required = True
        self.restyle()
