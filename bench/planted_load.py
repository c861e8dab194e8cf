"""Writing a planted city (bench/planted_city.py) into the platform the way its users' data would
arrive: the units through the units import, quotas and the three registries through the import
runner (jianfu.core.imports.run — the same spreadsheets an office would upload: one file per
registry and year, quotas before each year), the sample points designated through the monitoring
service and their 36 months of reports submitted one by one through report_submit, each month
a few days after it closed, by the point's own reporter.

Only the root unit and the accounts are made directly (as `jianfu init` and the system
administrator's pages would): they are not data that arrives.
"""

from __future__ import annotations

import datetime as dt
import io
import time
import uuid

import planted_city as pc
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import translation

from jianfu.core import clock, imports
from jianfu.core.models import RoleGrant, Unit, User
from jianfu.core.units_import.columns import kind_labels
from jianfu.monitoring.points.services import point_designate
from jianfu.monitoring.reports.services import report_submit
from jianfu.registry.models import (
    Category,
    DocumentKind,
    InspectionKind,
    InspectionMethod,
    Level,
    MeetingForm,
    MeetingLevel,
)


def _xlsx(title: str, headers: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _labels(choices) -> dict[str, str]:
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices.choices}


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _import(kind: str, by, filename: str, data: bytes, at: dt.date) -> int:
    with clock.frozen(at):
        record = imports.run(kind, by=by, filename=filename, data=data)
    return record.created


def load(city: pc.City, log=print) -> dict[str, float]:
    """Write the city; returns seconds per step."""
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    with clock.frozen(dt.date(2023, 11, 1)):
        root = Unit.objects.add_root(
            {"code": city.root.code, "name": city.root.name, "kind": city.root.kind}
        )
        hashed = make_password(None)
        sysadmin = User.objects.create(username="planted-sysadmin", password=hashed, home_unit=root)
        office = User.objects.create(username="planted-office", password=hashed, home_unit=root)
        RoleGrant.objects.create(user=sysadmin, role="sysadmin")
        RoleGrant.objects.create(user=office, role="office")
    kinds = kind_labels()
    rows = [[u.code, u.name, kinds[u.kind], u.parent] for u in city.units[1:]]
    _import(
        "units",
        sysadmin,
        "单位.xlsx",
        _xlsx("单位", ["单位代码", "名称", "类型", "上级单位代码"], rows),
        dt.date(2023, 11, 1),
    )
    seconds["units"] = time.perf_counter() - t
    log(f"    units: {len(rows):,} in {seconds['units']:.1f} s", flush=True)

    t = time.perf_counter()
    office = User.objects.select_related("home_unit").get(pk=office.pk)
    category = _labels(Category)
    for year in pc.YEARS:
        quota_rows = [[code, year, category[c], limit] for code, c, limit in city.quotas[year]]
        _import(
            "registry.quota",
            office,
            f"{year}年硬性指标.xlsx",
            _xlsx("硬性指标", ["单位", "年度", "类别", "指标"], quota_rows),
            dt.date(year, 1, 5),
        )
    seconds["quotas"] = time.perf_counter() - t

    t = time.perf_counter()
    n = 0
    for year in pc.YEARS:
        closed = dt.date(year + 1, 1, 6)  # each year's registers uploaded once the year is over
        n += _import(
            "registry.document", office, f"{year}年发文.xlsx", _documents(city, year), closed
        )
        n += _import(
            "registry.meeting", office, f"{year}年会议.xlsx", _meetings(city, year), closed
        )
        n += _import(
            "registry.inspection",
            office,
            f"{year}年督查检查.xlsx",
            _inspections(city, year),
            closed,
        )
    seconds["registry"] = time.perf_counter() - t
    log(f"    registry: {n:,} records in {seconds['registry']:.1f} s", flush=True)

    t = time.perf_counter()
    reporters = _points(city, office)
    seconds["points"] = time.perf_counter() - t
    t = time.perf_counter()
    n = _reports(city, reporters)
    seconds["reports"] = time.perf_counter() - t
    log(
        f"    reports: {n:,} submitted in {seconds['reports']:.1f} s "
        f"({seconds['reports'] / max(n, 1) * 1000:.2f} ms each)",
        flush=True,
    )
    return seconds


def _documents(city: pc.City, year: int) -> bytes:
    kind, level = _labels(DocumentKind), _labels(Level)
    headers = ["外部编号", "文号", "标题", "发文单位", "发文日期", "文件类型", "发至层级"]
    headers += ["是否向基层布置工作", "页数", "字数"]
    rows = [
        [
            r["external_id"],
            r["number"],
            r["title"],
            r["unit"],
            r["issued_on"],
            kind[r["kind"]],
            "、".join(level[v] for v in r["addressed_levels"]),
            _yes(r["assigns_work"]),
            r["pages"],
            r["characters"],
        ]
        for r in city.documents.get(year, [])
    ]
    return _xlsx("发文登记", headers, rows)


def _meetings(city: pc.City, year: int) -> bytes:
    form, mlevel, level = _labels(MeetingForm), _labels(MeetingLevel), _labels(Level)
    headers = ["外部编号", "会议名称", "主办单位", "会议日期", "会议层级", "会议形式"]
    headers += ["参会层级", "基层参会人数"]
    rows = [
        [
            r["external_id"],
            r["title"],
            r["unit"],
            r["held_on"],
            mlevel[r["level"]],
            form[r["form"]],
            "、".join(level[v] for v in r["attend_levels"]),
            r["grassroots_attendees"],
        ]
        for r in city.meetings.get(year, [])
    ]
    return _xlsx("会议登记", headers, rows)


def _inspections(city: pc.City, year: int) -> bytes:
    kind, method = _labels(InspectionKind), _labels(InspectionMethod)
    headers = ["外部编号", "名称", "组织单位", "类别", "方式", "开始日期", "结束日期"]
    headers += ["是否列入年度计划", "要求报送表格材料数"]
    rows = [
        [
            r["external_id"],
            r["title"],
            r["unit"],
            kind[r["kind"]],
            method[r["method"]],
            r["starts_on"],
            r["ends_on"],
            _yes(r["in_plan"]),
            r["forms_demanded"],
        ]
        for r in city.inspections.get(year, [])
    ]
    return _xlsx("督查检查考核登记", headers, rows)


def _points(city: pc.City, office) -> dict[str, tuple[int, User]]:
    """Designate the points, each with one reporter of its own unit: {code: (point id, user)}."""
    units = dict(
        Unit.objects.filter(code__in=[p.code for p in city.points]).values_list("code", "pk")
    )
    hashed = make_password(None)
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(username=f"planted-{p.code}", password=hashed, home_unit_id=units[p.code])
                for p in city.points
            ]
        )
        RoleGrant.objects.bulk_create([RoleGrant(user=u, role="reporter") for u in users])
    out = {}
    by_pk = {u.pk: u for u in Unit.objects.filter(pk__in=units.values())}
    with clock.frozen(dt.date(2023, 11, 20)):
        for p, user in zip(city.points, users, strict=True):
            point = point_designate(
                by=office, unit=by_pk[units[p.code]], since=dt.date(2023, 12, 1), reporters=[user]
            )
            out[p.code] = (point.pk, user)
    return out


def _reports(city: pc.City, reporters: dict[str, tuple[int, User]]) -> int:
    types = {
        k: (
            "hours"
            if k in ("meetings_hours", "inspection_days", "hours_burden_week", "hours_service_week")
            else "int"
        )
        for k in city.keys
    }
    n = 0
    for t in pc.REPORT_T:
        period = pc.period(t)
        y, m = pc.month_of(t + 1)
        with clock.frozen(dt.date(y, m, 3)):
            for i, p in enumerate(city.points):
                point_id, user = reporters[p.code]
                row = city.reports[i, t]
                values = {
                    k: (float(row[j]) if types[k] == "hours" else int(row[j]))
                    for j, k in enumerate(city.keys)
                }
                values.update(docs_senders="", problems="", suggestions="")
                report_submit(
                    by=user,
                    point=point_id,
                    period=period,
                    values=values,
                    client_key=uuid.uuid4().hex,
                )
                n += 1
    return n
