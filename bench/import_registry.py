"""Importing a 100,000-row document registry (xlsx) with full validation, side by side with
django-import-export importing the same file into the same model in the same run.

    .venv/bin/python bench/import_registry.py      # SQLite (bench/.data/import_registry/)
    DATABASE_URL=postgres://…/jianfu_bench_import .venv/bin/python bench/import_registry.py
    .venv/bin/python bench/import_registry.py --jianfu-only | --profile   # ours only; profile

The data: the demo city (units tree), and a workbook of 100,000 documents written once and cached
under bench/.data/ — date cells with one row in ten typed as text (2025/3/5, 2025.3.5,
2025年3月5日), units by name (by code where two units share the name), joint documents with
co-issuers, red-header numbers unique per unit, an OA key (外部编号) on every row.

calamine_parse_s (the anchor): python-calamine alone reading the same bytes into Python rows,
measured right before each import run. import_vs_parse_ratio: its median over the import's median
(1.0 would be an import as fast as reading the file; the goal is ≥ 0.5); the same again in CPU
seconds of this process (import_vs_parse_cpu_ratio), steadier on a shared machine.

import_rows_per_s: jianfu.core.imports.run("registry.document", …) from the file's bytes
to committed rows — reading, every check (units in scope, choices, dates, numbers ≥ 0, red-header
numbers present and unique within the file and against the database, keys), `counted` derived,
the rollup refreshed, the file stored, one audit entry. Median of three runs; the imported rows
are deleted between runs (not timed).

reimport_unchanged_rows_per_s: after each timed run, the same file imported again (every row
matched to the record it wrote, nothing changed, nothing written but the batch record and its
audit entry), with its ratio to the same anchor.

django_import_export_rows_per_s: a ModelResource on the same Document model, configured for its
fastest honest run: use_bulk, skip_diff, batch_size=1000, CachedInstanceLoader on 外部编号 (one
query for the whole file instead of one per row), widgets that validate as ours do (units by name
or code from a dict built once, choices from their Chinese labels, dates in the same text formats,
levels, yes/no), clean_model_instances=True for what the model itself checks (lengths, numbers
≥ 0, the unique 文号 per unit), `counted` derived in before_save_instance, the rollup refreshed
after. Timed from the file's bytes (its own XLSX format, tablib over openpyxl) to committed rows.
Co-issuers are validated but not written: bulk mode skips many-to-many fields.
"""

import datetime as dt
import gc
import io
import random
import statistics
import sys
import time
from pathlib import Path

from _setup import ROOT, figure, start
from python_calamine import CalamineWorkbook

vendor = start("import_registry")

from django.db import connection, transaction  # noqa: E402

from jianfu.core import imports  # noqa: E402
from jianfu.core.imports.units import name_key, unit_labels  # noqa: E402
from jianfu.core.models import ImportRecord, RoleGrant, Unit, User  # noqa: E402
from jianfu.demo import generator  # noqa: E402
from jianfu.registry import kinds, rollup  # noqa: E402
from jianfu.registry.models import Document, DocumentKind, Level  # noqa: E402
from jianfu.registry.records.importers.columns import ChoiceParsers  # noqa: E402

ROWS = 100_000
SEED = 2025
PREFIX = "BENCH-"  # every external id in the file starts with it
IE_FULL_LIMIT_S = 240  # beyond this (estimated), django-import-export is timed on 10,000 rows
DATA = ROOT / "bench" / ".data"

if not Unit.objects.exists():
    t = time.perf_counter()
    generator.load(size="city", seed=SEED, with_extensions=False)  # the tree and accounts only
    print(f"built the demo city in {time.perf_counter() - t:.1f} s")

root = Unit.objects.get(depth=1)
office, _created = User.objects.get_or_create(
    username="bench-import-office", defaults={"home_unit": root, "full_name": "bench"}
)
RoleGrant.objects.get_or_create(user=office, role="office")
office = User.objects.select_related("home_unit").get(pk=office.pk)

ISSUER_KINDS = ("county", "department", "county_department", "township")
issuers = list(
    Unit.objects.filter(path__startswith=root.path, kind__in=ISSUER_KINDS)
    .order_by("path")
    .values_list("pk", "code", "name")
)
label_of = unit_labels([pk for pk, _c, _n in issuers])
print(f"database: {vendor}; units: {Unit.objects.count()}; issuing units: {len(issuers)}")


# --- The workbook ------------------------------------------------------------------------------


def build_rows(n: int) -> list[list]:
    rng = random.Random(SEED)
    ch = ChoiceParsers()
    kinds = [
        (DocumentKind.RED_HEADER, 35),
        (DocumentKind.WHITE_HEADER, 25),
        (DocumentKind.NOTICE, 15),
        (DocumentKind.JOINT, 10),
        (DocumentKind.WORKGROUP, 15),
    ]
    kind_pool = [k for k, w in kinds for _ in range(w)]
    level_sets = [
        [Level.COUNTY],
        [Level.TOWNSHIP],
        [Level.TOWNSHIP, Level.VILLAGE],
        [Level.COUNTY, Level.TOWNSHIP],
        [Level.DEPARTMENT],
        [Level.VILLAGE],
        [Level.SCHOOL],
        [],
    ]
    topics = ["安全生产", "防汛抗旱", "乡村振兴", "基层减负", "疫情防控", "营商环境", "文明创建"]
    acts = ["关于做好", "关于开展", "关于进一步加强", "关于印发", "关于报送"]
    ends = ["工作的通知", "专项行动的实施方案", "情况的函", "工作要点", "有关事项的通知"]
    serial: dict[tuple[int, int], int] = {}
    start_day = dt.date(2024, 1, 1)
    rows = []
    for i in range(n):
        pk, code, _name = issuers[rng.randrange(len(issuers))]
        kind = kind_pool[rng.randrange(len(kind_pool))]
        day = start_day + dt.timedelta(days=rng.randrange(730))
        number = ""
        if kind in (DocumentKind.RED_HEADER, DocumentKind.JOINT) or (
            kind == DocumentKind.NOTICE and rng.random() < 0.5
        ):
            seq = serial[(pk, day.year)] = serial.get((pk, day.year), 0) + 1
            number = f"{code}发〔{day.year}〕{seq}号"
        co = ""
        if kind == DocumentKind.JOINT:
            others = rng.sample(issuers, 2)[: rng.choice((1, 2))]
            co = "、".join(label_of[o[0]] for o in others if o[0] != pk)
        r = rng.random()
        if r < 0.9:
            date_cell = day
        elif r < 0.94:
            date_cell = f"{day.year}/{day.month}/{day.day}"
        elif r < 0.97:
            date_cell = f"{day.year}.{day.month}.{day.day}"
        else:
            date_cell = f"{day.year}年{day.month}月{day.day}日"
        pages = rng.randint(1, 20)
        assigns = kind != DocumentKind.RED_HEADER and rng.random() < 0.6
        rows.append(
            [
                f"{PREFIX}{i + 1:06d}",
                number,
                acts[rng.randrange(5)] + topics[rng.randrange(7)] + ends[rng.randrange(5)],
                label_of[pk],
                co,
                date_cell,
                ch.of_set[DocumentKind].labels[kind],
                "、".join(ch.levels.labels[v] for v in rng.choice(level_sets)),
                "是" if assigns or kind == DocumentKind.RED_HEADER else "否",
                pages,
                pages * rng.randint(500, 900),
            ]
        )
    return rows


HEADERS = [
    "外部编号",
    "文号",
    "标题",
    "发文单位",
    "联合发文单位",
    "发文日期",
    "文件类型",
    "发至层级",
    "是否向基层布置工作",
    "页数",
    "字数",
]


def write_xlsx(path: Path, rows: list[list]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("发文登记")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    book.save(tmp)
    tmp.replace(path)


def workbook(n: int) -> bytes:
    path = DATA / f"registry_documents_{n}_{SEED}.xlsx"
    if not path.exists():
        t = time.perf_counter()
        write_xlsx(path, build_rows(ROWS)[:n])
        print(f"wrote {path.relative_to(ROOT)} in {time.perf_counter() - t:.1f} s")
    return path.read_bytes()


# --- Between runs ------------------------------------------------------------------------------


def clean() -> None:
    """Remove what a run imported (not timed)."""
    with transaction.atomic():
        qs = Document.objects.filter(external_id__startswith=PREFIX)
        through = Document.co_issuers.through
        ids = qs.values("pk")
        through.objects.filter(document_id__in=ids).delete()
        qs._raw_delete(qs.db)
        ImportRecord.objects.filter(kind="registry.document", by=office).exclude(
            pk__in=Document.objects.filter(import_record__isnull=False).values("import_record")
        ).delete()
        rollup.refresh("document", [pk for pk, _c, _n in issuers], [2024, 2025])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE registry_document")


def imported() -> int:
    return Document.objects.filter(external_id__startswith=PREFIX).count()


# --- Ours --------------------------------------------------------------------------------------


def calamine_parse_s(payload: bytes) -> tuple[float, float]:
    """The anchor: python-calamine alone reading the file's first sheet into Python rows, as
    the import calls it (to_python, empty area kept), the garbage collector paused as the
    import pauses it."""
    was = gc.isenabled()
    gc.disable()
    try:
        t, c = time.perf_counter(), time.process_time()
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(payload)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
        elapsed, cpu_s = time.perf_counter() - t, time.process_time() - c
    finally:
        if was:
            gc.enable()
    assert len(rows) == ROWS + 1, len(rows)
    return elapsed, cpu_s


data = workbook(ROWS)
print(f"file: {ROWS} rows, {len(data) / 1e6:.1f} MB")
clean()
if "--profile" in sys.argv:  # where the time goes (not a figure)
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    imports.run("registry.document", by=office, filename="发文登记.xlsx", data=data)
    profile.disable()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
    clean()
    sys.exit()
runs, parses, cpu, parses_cpu, reruns = [], [], [], [], []
for attempt in range(3):
    # The anchor right before each run: the machine's load moves both alike.
    parse_s, parse_cpu_s = calamine_parse_s(data)
    parses.append(parse_s)
    parses_cpu.append(parse_cpu_s)
    t, c = time.perf_counter(), time.process_time()
    record = imports.run("registry.document", by=office, filename="发文登记.xlsx", data=data)
    elapsed = time.perf_counter() - t
    cpu.append(time.process_time() - c)
    assert record.created == ROWS and imported() == ROWS, (record.created, imported())
    runs.append(elapsed)
    print(
        f"jianfu import run {attempt + 1}: {elapsed:.2f} s ({ROWS / elapsed:,.0f} rows/s,"
        f" {cpu[-1]:.2f} s CPU); calamine alone {parses[-1]:.2f} s;"
        f" ratio {parses[-1] / elapsed:.2f}"
    )
    counted = Document.objects.filter(import_record=record, counted=True).count()
    # The same file again, as next month's OA export holds this month's rows: nothing to write.
    t = time.perf_counter()
    again = imports.run("registry.document", by=office, filename="发文登记.xlsx", data=data)
    reruns.append(time.perf_counter() - t)
    assert (again.created, again.updated) == (0, 0), (again.created, again.updated)
    print(
        f"  the same file again: {reruns[-1]:.2f} s ({ROWS / reruns[-1]:,.0f} rows/s);"
        f" ratio {parses[-1] / reruns[-1]:.2f}"
    )
    clean()
ours = ROWS / statistics.median(runs)
print(f"counted against quotas: {counted} of {ROWS}")
figure("calamine_parse_s", round(statistics.median(parses), 3))
figure("import_s", round(statistics.median(runs), 3))
figure("import_rows_per_s", round(ours))
figure("import_vs_parse_ratio", round(statistics.median(parses) / statistics.median(runs), 3))
figure("reimport_unchanged_s", round(statistics.median(reruns), 3))
figure("reimport_unchanged_rows_per_s", round(ROWS / statistics.median(reruns)))
figure(
    "reimport_unchanged_vs_parse_ratio",
    round(statistics.median(parses) / statistics.median(reruns), 3),
)
# The same in CPU seconds of this process (SQLite works in it; PostgreSQL's server does not):
# steadier than wall time on a shared machine.
figure("calamine_parse_cpu_s", round(statistics.median(parses_cpu), 3))
figure("import_cpu_s", round(statistics.median(cpu), 3))
figure(
    "import_vs_parse_cpu_ratio", round(statistics.median(parses_cpu) / statistics.median(cpu), 3)
)
if "--jianfu-only" in sys.argv:
    sys.exit()


# --- django-import-export ----------------------------------------------------------------------

from django.core.exceptions import ValidationError  # noqa: E402
from import_export import fields, resources, widgets  # noqa: E402
from import_export.formats.base_formats import XLSX  # noqa: E402
from import_export.instance_loaders import CachedInstanceLoader  # noqa: E402

from jianfu.registry import counting  # noqa: E402

scope_units = imports.UnitIndex(office)


class UnitWidget(widgets.ForeignKeyWidget):
    """A unit by code or name, from a dict built once (no query per row)."""

    def __init__(self):
        super().__init__(Unit)
        self.pk_of = dict(scope_units.by_code)
        for pk, (_code, name, _path) in scope_units.info.items():
            if len(scope_units.by_name[name_key(name)]) == 1:
                self.pk_of[name] = pk

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            raise ValueError("发文单位不能为空")
        pk = self.pk_of.get(text)
        if pk is None:
            raise ValueError(f"找不到单位“{text}”")
        return Unit(pk=pk)


class UnitsWidget(widgets.ManyToManyWidget):
    def __init__(self):
        super().__init__(Unit)
        self.one = UnitWidget()

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        return [self.one.clean(v) for v in text.split("、")] if text else []


class ChoiceWidget(widgets.Widget):
    def __init__(self, choices):
        super().__init__()
        self.values = {str(label): v for v, label in choices.labels.items()} | {
            v: v for v in choices.labels
        }

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if text not in self.values:
            raise ValueError(f"无法识别“{text}”")
        return self.values[text]


class LevelsWidget(ChoiceWidget):
    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        return [super(LevelsWidget, self).clean(v) for v in text.split("、")] if text else []


class YesNoWidget(widgets.BooleanWidget):
    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if text in ("", "否"):
            return False
        if text == "是":
            return True
        raise ValueError(f"无法识别“{text}”")


class DateWidget(widgets.DateWidget):
    FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = str(value or "").strip()
        for fmt in self.FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise ValueError(f"无法识别的日期“{text}”")


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return "" if value is None else str(value).strip()


ch = ChoiceParsers()
rules = counting.Rules.current()


class DocumentResource(resources.ModelResource):
    external_id = fields.Field("external_id", "外部编号", widget=TextWidget())
    number = fields.Field("number", "文号", widget=TextWidget())
    title = fields.Field("title", "标题", widget=TextWidget())
    unit = fields.Field("unit", "发文单位", widget=UnitWidget())
    co_issuers = fields.Field("co_issuers", "联合发文单位", widget=UnitsWidget())
    issued_on = fields.Field("issued_on", "发文日期", widget=DateWidget())
    kind = fields.Field("kind", "文件类型", widget=ChoiceWidget(ch.of_set[DocumentKind]))
    addressed_levels = fields.Field("addressed_levels", "发至层级", widget=LevelsWidget(ch.levels))
    assigns_work = fields.Field("assigns_work", "是否向基层布置工作", widget=YesNoWidget())
    pages = fields.Field("pages", "页数", widget=widgets.IntegerWidget())
    characters = fields.Field("characters", "字数", widget=widgets.IntegerWidget())

    class Meta:
        model = Document
        fields = (
            "external_id",
            "number",
            "title",
            "unit",
            "co_issuers",
            "issued_on",
            "kind",
            "addressed_levels",
            "assigns_work",
            "pages",
            "characters",
        )
        import_id_fields = ("external_id",)
        instance_loader_class = CachedInstanceLoader
        use_bulk = True
        skip_diff = True
        batch_size = 1000
        clean_model_instances = True

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # The model's full_clean, less the blank check on 发至层级: an empty list is allowed
        # (ours allows it too; the model's default is []).
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(
                exclude=[*errors, "addressed_levels"], validate_unique=validate_unique
            )
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def after_init_instance(self, instance, new, row, **kwargs):
        instance.created_by_id = office.pk

    def before_save_instance(self, instance, row, **kwargs):
        if instance.kind == DocumentKind.RED_HEADER and not instance.number:
            raise ValueError("红头文件须填写文号")
        kinds.DOCUMENT.derive(instance, rules)


class UncheckedDocumentResource(DocumentResource):
    """For comparison only (not the figure): the widgets' checks without the model's — no unique
    文号 per unit, no lengths, no check that the unit exists beyond the widget's dict."""

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if import_validation_errors:
            raise ValidationError(import_validation_errors)


def run_import_export(resource_class, payload: bytes) -> tuple[float, int, object]:
    t = time.perf_counter()
    dataset = XLSX().create_dataset(payload)
    result = resource_class().import_data(
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=True,
        rollback_on_validation_errors=True,
    )
    if not result.has_errors() and not result.has_validation_errors():
        with transaction.atomic():
            rollup.refresh("document", [pk for pk, _c, _n in issuers], [2024, 2025])
    return time.perf_counter() - t, len(dataset), result


def timed(resource_class, label: str) -> float:
    """rows/s of one configuration: estimated on 1,000 rows, then run on the whole file when
    that fits in IE_FULL_LIMIT_S, else on its first 10,000 rows."""
    probe_s, probe_n, _r = run_import_export(resource_class, workbook(1_000))
    clean()
    estimate = probe_s / probe_n * ROWS
    n = ROWS if estimate <= IE_FULL_LIMIT_S else 10_000
    if n < ROWS:
        print(
            f"{label}: 1,000 rows took {probe_s:.1f} s, so 100,000 would take about"
            f" {estimate:.0f} s; timed on the first 10,000 rows of the same data instead"
        )
    elapsed, rows, result = run_import_export(resource_class, workbook(n) if n < ROWS else data)
    errors = len(result.base_errors) + len(result.invalid_rows) + len(result.row_errors())
    print(
        f"{label}: {rows} rows in {elapsed:.2f} s ({rows / elapsed:,.0f} rows/s);"
        f" new {result.totals.get('new')}, errors {errors}; in the database: {imported()}"
    )
    if errors or imported() != rows:
        for row in result.invalid_rows[:3]:
            print("  invalid:", row.number, row.error_dict)
        for line, errs in result.row_errors()[:3]:
            print("  error:", line, errs[0].error)
        sys.exit(f"{label} did not import the file cleanly")
    clean()
    return rows / elapsed


theirs = timed(DocumentResource, "django-import-export")
figure("django_import_export_rows_per_s", round(theirs))
print(f"ratio: {ours / theirs:.0f}x")
unchecked = timed(UncheckedDocumentResource, "django-import-export without the model's checks")
print(
    f"for comparison only: django-import-export without the model's checks (no unique 文号,"
    f" not the same validation): {unchecked:,.0f} rows/s; ours is {ours / unchecked:.1f}x that"
)
