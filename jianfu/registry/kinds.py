"""The registry kinds — documents issued, meetings held, inspections organised — described once.

Everything that differs between the three registries is said here, per kind: its model and quota
category, its labels, its URL slug and names, the permission codes, the fields a person or a
system writes (and the audit records), the dates and counts that are checked, what a write derives
and the counting verdict (registry.counting), the kind's own checks (registry.validation), the
monthly rollup's metrics, the form, the list's filters and columns, and the detail page's fields.
Views, services, queries, the rollup, the API and the URLs read this table; adding a kind is a
model, a Category, an entry here, its form, its API schemas and its counting and checks.

The import and export columns of each kind (headers, the spellings people use, notes) and the
template's example rows are in registry/records/importers/columns.py; the importers read or derive
everything else from here (a cell's parser and an empty cell's value from the model field).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Count, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.functional import lazy
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from . import counting, validation
from .models import (
    MAX_ATTENDEES,
    MAX_CHARACTERS,
    MAX_FORMS,
    MAX_PAGES,
    REMOTE_METHODS,
    Category,
    Document,
    DocumentKind,
    Inspection,
    InspectionMethod,
    Meeting,
    MeetingForm,
)

# The document kinds the rules count as white-header (the rollup's white_header, the gaming rule).
WHITE_KINDS = [DocumentKind.WHITE_HEADER, DocumentKind.NOTICE, DocumentKind.WORKGROUP]
RED_KINDS = [DocumentKind.RED_HEADER, DocumentKind.JOINT]


def _n(condition: Q):
    return Count("pk", filter=condition)


def _sum(name: str, condition: Q | None = None):
    return Coalesce(Sum(name, filter=condition), Value(0), output_field=IntegerField())


@dataclass(frozen=True)
class Group:
    """Several choices a list filter offers as one (what a rule counts together)."""

    code: str  # the filter value: "red_kinds"
    label: Any
    values: tuple[str, ...]


@dataclass(frozen=True)
class ChoiceFilter:
    """A choice field of the model the list filters on; its choices are the field's, then the
    groups."""

    name: str
    label: Any = None  # the filter's label, where it is not the filter form's default
    groups: tuple[Group, ...] = ()


@dataclass(frozen=True)
class Column:
    """A column of the list between the date and 计入: its header and its cell (the partial
    "cell-<cell>" of registry/record_list.html)."""

    cell: str
    header: Any
    th_class: str = ""
    td_class: str = ""  # the header's class when empty

    @property
    def template(self) -> str:
        return f"registry/record_list.html#cell-{self.cell}"

    @property
    def td(self) -> str:
        return self.td_class or self.th_class


# The list's responsive columns: shown from md, lg or xl up.
MD, LG, XL = "d-none d-md-table-cell", "d-none d-lg-table-cell", "d-none d-xl-table-cell"

# Actions every kind has a URL for: "<code>_<action>" (document_list, meeting_edit …).
ACTIONS = ("list", "create", "import", "export", "template", "counting", "detail", "edit", "delete")


@dataclass(frozen=True, eq=False)
class Kind:
    code: str  # URL names, audit codes, import jobs, API operation ids: "document"
    model: type
    category: str  # the quota and rollup category
    slug: str  # the URL path segment and the API path: "documents"
    title: Any  # the registry's page title (and its navigation entry)
    icon: str
    date_field: str  # the date that places a record in a month and a year
    fields: tuple[str, ...]  # what a person or a system writes (and the audit records)
    detail_fields: tuple[str, ...]  # the detail page's rows
    counting: Any  # registry.counting: derive, verdict, rule_rows
    check: Callable  # registry.validation: the kind's own checks before a write
    row_check: Callable  # registry.validation: the same, of an imported sheet's row
    form: str  # the form class, by dotted path (the forms read queries, which read this table)
    co_field: str | None = None  # co-issuers or targets: units beside the record's own
    co_excludes_unit: bool = False  # the record's own unit is never one of its co-units
    end_field: str | None = None  # where a record spans days: its last day
    dates: tuple[str, ...] = ()  # dates checked for plausibility (default: date_field)
    limits: tuple[tuple[str, int], ...] = ()  # the counts people type, and their bounds
    metrics: Mapping[str, Any] = field(default_factory=dict)  # the rollup's, by MonthlyUsage field
    filters: tuple[ChoiceFilter, ...] = ()  # the list's choice filters
    yes_no_filters: tuple[str, ...] = ()  # model booleans the list filters on, beyond the shared
    search_fields: tuple[str, ...] = ()  # searched beside the title and the external id
    search_label: Any = _("名称")
    # Reaches the grassroots: this boolean, or else (None) one of the co-units is a grassroots unit.
    grassroots_field: str | None = None
    list_related: tuple[str, ...] = ()  # select_related on a list page besides the unit
    type_fields: tuple[str, ...] = ()  # the choices shown as the record's type in lists
    columns: tuple[Column, ...] = ()  # the list's columns between the date and 计入
    title_notes: tuple[str, ...] = ()  # lines under a list row's title ("note-<name>" partials)
    date_header: Any = _("日期")
    import_notes: tuple[Any, ...] = ()  # said on the import page beside the shared notes
    sheet_title: Any = None  # the export's and the template's sheet (default: title)
    view_perm: str = "registry.record:view"
    edit_perm: str = "registry.record:edit"

    def __post_init__(self):
        # The lists' and the API's grassroots filter reads one of the two: a kind with neither
        # would answer that filter with an error, so it is refused where it is declared.
        if not (self.grassroots_field or self.co_field):
            raise ValueError(f"kind {self.code!r}: name grassroots_field or co_field")

    # --- Labels --------------------------------------------------------------------------------

    @property
    def noun(self):
        """ "发文", "会议", "督查检查考核" (the model's verbose name)."""
        return self.model._meta.verbose_name

    @property
    def plural(self):
        return self.model._meta.verbose_name_plural

    @property
    def co_label(self):
        return self.model._meta.get_field(self.co_field).verbose_name if self.co_field else ""

    # --- URLs ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"{self.code}_list"

    @property
    def names(self) -> dict[str, str]:
        """URL names for the templates: {% url k.names.create %}."""
        return {a: f"{self.code}_{a}" for a in ACTIONS}

    # --- Writing -------------------------------------------------------------------------------

    @property
    def checked_dates(self) -> tuple[str, ...]:
        return self.dates or (self.date_field,)

    def audit_code(self, action: str) -> str:
        """The audit code of an action on a record: jianfu.registry.document.created …"""
        return f"jianfu.registry.{self.code}.{action}"

    @cached_property
    def form_class(self) -> type:
        return import_string(self.form)

    def derive(self, obj, rules: counting.Rules) -> None:
        """Fill the derived fields: whether the record counts, and its grassroots flags."""
        self.counting.derive(obj, rules)

    # --- Reading -------------------------------------------------------------------------------

    def type_label(self, obj) -> str:
        return " · ".join(str(getattr(obj, f"get_{name}_display")()) for name in self.type_fields)

    def co_through(self) -> tuple[type, str]:
        """(the M2M through model, its column naming the record) of the co-units."""
        f = self.model._meta.get_field(self.co_field)
        return f.remote_field.through, f.m2m_field_name() + "_id"


DOCUMENT = Kind(
    code="document",
    model=Document,
    category=Category.DOCUMENT,
    slug="documents",
    title=_("发文登记"),
    icon="file-earmark-text",
    date_field="issued_on",
    fields=(
        "number",
        "title",
        "issued_on",
        "kind",
        "addressed_levels",
        "assigns_work",
        "pages",
        "characters",
        "external_id",
        "counted",
    ),
    detail_fields=(
        "number",
        "issued_on",
        "kind",
        "assigns_work",
        "addressed_levels",
        "reaches_grassroots",
        "pages",
        "characters",
    ),
    counting=counting.DocumentCounting(),
    check=validation.check_document,
    row_check=validation.check_document_row,
    form="jianfu.registry.records.forms.DocumentRecordForm",
    co_field="co_issuers",
    co_excludes_unit=True,  # a joint document counts for its lead issuer, never its co-issuer
    limits=(("pages", MAX_PAGES), ("characters", MAX_CHARACTERS)),
    metrics={
        "red_header": _n(Q(kind__in=RED_KINDS)),
        "white_header": _n(Q(kind__in=WHITE_KINDS)),
        "pages": _sum("pages", Q(counted=True)),
        "characters": _sum("characters", Q(counted=True)),
        "grassroots": _n(Q(reaches_grassroots=True)),
    },
    filters=(
        ChoiceFilter(
            "kind",
            groups=(
                Group("red_kinds", _("红头类合计"), tuple(RED_KINDS)),
                Group("white_kinds", _("白头类合计"), tuple(WHITE_KINDS)),
            ),
        ),
    ),
    search_fields=("number",),
    search_label=_("标题或文号"),
    grassroots_field="reaches_grassroots",
    type_fields=("kind",),
    columns=(
        Column("number", _("文号"), MD, f"{MD} jf-nowrap small"),
        Column("title", _("标题"), td_class="jf-title"),
        Column("unit", _("发文单位"), LG),
        Column("type", _("类型"), MD, f"{MD} jf-nowrap"),
        Column("reaches_grassroots", _("发至基层"), MD),
    ),
    title_notes=("co_issuers",),
    date_header=_("发文日期"),
    import_notes=(_("同一单位的文号不能重复；红头文件须填写文号。"),),
)

MEETING = Kind(
    code="meeting",
    model=Meeting,
    category=Category.MEETING,
    slug="meetings",
    title=_("会议登记"),
    icon="people-fill",
    date_field="held_on",
    fields=(
        "title",
        "held_on",
        "starts_at",
        "ends_at",
        "level",
        "form",
        "merged_with_id",
        "attend_levels",
        "grassroots_attendees",
        "external_id",
        "counted",
    ),
    detail_fields=(
        "held_on",
        "starts_at",
        "ends_at",
        "level",
        "form",
        "attend_levels",
        "grassroots_required",
        "grassroots_attendees",
    ),
    counting=counting.MeetingCounting(),
    check=validation.check_meeting,
    row_check=validation.check_meeting_row,
    form="jianfu.registry.records.forms.MeetingRecordForm",
    limits=(("grassroots_attendees", MAX_ATTENDEES),),
    metrics={
        "video": _n(Q(form=MeetingForm.VIDEO)),
        "video_grassroots": _n(Q(form=MeetingForm.VIDEO, grassroots_required=True)),
        "attendees": _sum("grassroots_attendees"),
    },
    filters=(ChoiceFilter("form"), ChoiceFilter("level")),
    search_label=_("会议名称"),
    grassroots_field="grassroots_required",
    list_related=("merged_with",),
    type_fields=("form",),
    columns=(
        Column("title", _("名称"), td_class="jf-title"),
        Column("unit", _("主办单位"), LG),
        Column("type", _("形式"), MD, f"{MD} jf-nowrap"),
        Column("grassroots_required", _("基层参会"), MD),
    ),
    title_notes=("merged_with",),
    date_header=_("会议日期"),
)

INSPECTION = Kind(
    code="inspection",
    model=Inspection,
    category=Category.INSPECTION,
    slug="inspections",
    title=_("督查检查考核"),
    icon="clipboard-check",
    date_field="starts_on",
    fields=(
        "title",
        "kind",
        "method",
        "starts_on",
        "ends_on",
        "in_plan",
        "forms_demanded",
        "external_id",
        "counted",
    ),
    detail_fields=("kind", "method", "starts_on", "ends_on", "in_plan", "forms_demanded"),
    counting=counting.InspectionCounting(),
    check=validation.check_inspection,
    row_check=validation.check_inspection_row,
    form="jianfu.registry.records.forms.InspectionRecordForm",
    co_field="targets",
    end_field="ends_on",
    dates=("starts_on", "ends_on"),
    limits=(("forms_demanded", MAX_FORMS),),
    metrics={
        "on_site": _n(Q(method=InspectionMethod.ON_SITE)),
        "remote": _n(Q(method__in=list(REMOTE_METHODS))),
        "out_of_plan": _n(Q(in_plan=False)),
        "forms": _sum("forms_demanded"),
    },
    filters=(
        ChoiceFilter("kind", label=_("类别")),
        ChoiceFilter(
            "method",
            groups=(
                Group(
                    "remote_methods",
                    _("电话或书面合计"),
                    tuple(m for m in InspectionMethod if m in REMOTE_METHODS),
                ),
            ),
        ),
    ),
    yes_no_filters=("in_plan",),
    type_fields=("kind", "method"),
    columns=(
        Column("title", _("名称"), td_class="jf-title"),
        Column("unit", _("组织单位"), LG),
        Column("type", _("类别 · 方式"), MD, f"{MD} jf-nowrap"),
        Column("co_units", _("被检查单位"), XL, f"{XL} small"),
        Column("in_plan", _("计划内"), MD),
    ),
    sheet_title=_("督查检查考核登记"),
)

# In the order the pages, the navigation and the counting rules list them.
KINDS: dict[str, Kind] = {k.code: k for k in (DOCUMENT, MEETING, INSPECTION)}
_BY_MODEL = {k.model: k for k in KINDS.values()}
_BY_SLUG = {k.slug: k for k in KINDS.values()}
_BY_CATEGORY = {k.category: k for k in KINDS.values()}


def by_code(code: str) -> Kind:
    """KeyError for an unknown code."""
    return KINDS[code]


def by_slug(slug: str) -> Kind:
    return _BY_SLUG[slug]


def by_model(model) -> Kind:
    """The kind of a model class (or of a record: its class)."""
    return _BY_MODEL[model if isinstance(model, type) else type(model)]


def of_model(model) -> Kind | None:
    """by_model, or None for a model that is no registry kind."""
    return _BY_MODEL.get(model if isinstance(model, type) else type(model))


def by_category(category: str) -> Kind:
    return _BY_CATEGORY[category]


def audit_sentences() -> dict[str, Any]:
    """The audit log's sentence for each kind's created, updated and deleted entries ("登记发文"),
    translated when shown."""
    texts = {"created": _("登记%(n)s"), "updated": _("修改%(n)s"), "deleted": _("删除%(n)s")}
    return {
        k.audit_code(action): lazy(lambda t=text, k=k: str(t) % {"n": k.noun}, str)()
        for k in KINDS.values()
        for action, text in texts.items()
    }
