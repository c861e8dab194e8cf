"""What an import is: a spec. Its columns (header, other spellings, required), the cell parser of
each, a check of each row, the checks across rows and against the database, the write, and —
when a file may change existing records — how those changes are previewed. The runner
(runner.py) does everything else the same way for every spec.

Apps register their specs in their AppConfig.ready (`imports.register(spec)`); core imports no
app.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy

from jianfu.core.sheet_columns import Column

# The columns the runner itself reads, when a spec has them: 系统编号 (the record's id, written by
# exports so that an edited export updates the records it came from) and the unit, found by code
# or by name within the importer's scope (UnitIndex).
PK, UNIT = "pk", "unit"

# The sentence for missing required columns (sheet_columns.read_header).
MISSING = gettext_lazy("缺少必填列：%(cols)s。表头应为：%(all)s（可从“下载模板”获取）。")


@dataclass
class Written:
    """What a spec's write did: the ids it created and updated, and the units whose data changed
    (told to events.data_changed after the commit)."""

    created_ids: list[int]
    updated_ids: list[int]
    unit_ids: set[int] = field(default_factory=set)


class Updates(ABC):
    """How a spec previews what a file changes in existing records. The runner shows the changes
    and asks for confirmation before saving them; the confirmed write computes them again in its
    transaction and refuses when they differ (the fingerprint of `state`). A spec's subclass
    defines all five."""

    @abstractmethod
    def of(self, sheet, plan) -> list:
        """One change per row matched to an existing record (changed or not); reads nothing
        new and writes nothing."""

    @abstractmethod
    def changed(self, change) -> bool:
        """Whether the file changes this record at all."""

    @abstractmethod
    def describe(self, sheet, plan, changes: list, units) -> list[dict]:
        """Each of `changes` (changed ones) as the page lists it: {"line", "pk", "title",
        "fields": [[header, old, new], …]}."""

    @abstractmethod
    def state(self, plan, changes) -> Any:
        """What the fingerprint covers (JSON-able): equal states, the same import."""

    @abstractmethod
    def old_values(self, plan, changes) -> dict:
        """{"<id>.<field>": [old, new]}: the batch's audit entry keeps what a file replaced."""


@dataclass
class Spec:
    kind: str  # the batch record's and the job's kind, e.g. "registry.document"
    columns: tuple[Column, ...]
    # parsers(units) -> {key: cell -> value}, raising parsing.ParseError; built once per import.
    # The unit column's parser is the runner's (UnitIndex.resolve).
    parsers: Callable[[Any], dict[str, Callable]]
    # check(sheet, units) -> plan: every check across rows and against the database; adds its
    # problems to sheet.errors and raises (sheet.fail()) when there is any. Runs inside the
    # write's transaction.
    check: Callable
    # write(sheet, plan, changes, record, by, now) -> Written; `record` is the batch's
    # ImportRecord, `changes` what updates.of found (empty without updates).
    write: Callable
    permission: str  # what the importer must be allowed (scope.require)
    audit_action: str  # the batch's one audit entry
    event: str  # events.data_changed(event, …) after the commit; "" for none
    unit_column: bool = False  # the spec has the runner's UNIT column
    distinct: frozenset[str] = frozenset()  # columns parsed cell by cell (mostly distinct values)
    ignored: frozenset[str] = frozenset()  # columns accepted and not read (export-only)
    defaults: Mapping[str, Any] = field(default_factory=dict)  # an empty cell's value, per field
    # Columns that are not fields of `row.values` but kept in `row.extra`: key -> empty value.
    extras: Mapping[str, Any] = field(default_factory=dict)
    row_check: Callable | None = None  # row_check(sheet, row): rules within one row
    updates: Updates | None = None  # previewing changes to existing records
    audit_extra: Callable | None = None  # audit_extra(sheet, plan, written) -> dict
    missing: str = MISSING
    # Step labels (progress): reading, checking rows (with the count; None: not told), checking
    # against the database (preview), checking against the database and saving (write).
    steps: tuple = (
        gettext_lazy("读取文件"),
        gettext_lazy("检查每一行（共 %(n)s 行）"),
        gettext_lazy("与已登记的记录核对"),
        gettext_lazy("与已登记的记录核对并保存"),
    )
    stale: str = gettext_lazy(
        "预览之后，相关记录已被修改（或有人导入了相同的记录），本次没有保存任何内容。"
        "请重新上传文件，核对新的预览后再确认。"
    )
    race: str = gettext_lazy("导入时数据被他人同时修改，本次没有保存任何内容，请稍后重新导入。")
    # page(request, **url kwargs) -> what the import page shows (views.upload); may raise Http404:
    page: Callable | None = None
    # The job page's links and the outcome's sentence (background.py):
    pages: Callable | None = None  # pages(job) -> {"title", "back_url", "back_title", "import_url"}
    done: Callable | None = None  # done(record) -> the message once written
    allowed: Callable | None = None  # allowed(by, unit): more than `permission` (DomainError)
    # header(rows, columns, *, missing, optional) -> (header index, key -> column index, key ->
    # header as written), for a sheet whose header is found another way than sheet.read_header.
    header: Callable | None = None
    # screen(cell) raises ParseError for a cell no column can take (e.g. text with control
    # characters): a row with such a cell reports those alone, and its values are left empty.
    screen: Callable | None = None
    # Required columns whose cells may be empty (the spec's parsers or checks say what an empty
    # one means); the others' empty cells are "必填，不能为空。".
    may_be_empty: frozenset[str] = frozenset()
    # Exceptions the write may raise besides IntegrityError (`race`), each with the sentence
    # that refuses the whole file.
    refusals: Mapping[type[Exception], Any] = field(default_factory=dict)
    # As a job: checked (preview) in a pass of its own, then written in a second pass, even when
    # it changes nothing that exists; otherwise such a file is written in the first pass.
    preview_first: bool = False
    # merged(data, rows, header index, key -> column index, key -> header) -> rows: the spec's
    # policy for merged cells (the runner reads none): refuse them (ImportFailed) or fill them in.
    merged: Callable | None = None
    # False: a required column must be there, but its empty cells are the spec's to report
    # (with its own words, or because an empty cell means something, as a problem without
    # measures yet on a ledger).
    required_cells: bool = True
    # audit_object(sheet, plan, record) -> (object_type, object_id) the batch's one audit entry
    # is about, when that is the object imported into rather than the batch record.
    audit_object: Callable | None = None
    # The upload form (default core.forms.UploadForm); fields besides `file` are the import's
    # options (run(options=...), read by the spec as sheet.options).
    form: type | None = None
    # The import page imports in its own request instead of starting a background job: for
    # imports with options (sheet.options) a job does not keep. Such a spec has no API.
    inline: bool = False
    # default_unit(principal) -> the unit the import is for when the page names none (and
    # always through the API): rows without a unit are that unit's, and `allowed` checks it.
    default_unit: Callable | None = None

    def unit_for(self, principal, page: Mapping | None = None):
        """The unit an import is for: the one its page names, else the spec's default."""
        if page is not None and "unit" in page:
            return page["unit"]
        return self.default_unit(principal) if self.default_unit else None


SPECS: dict[str, Spec] = {}
