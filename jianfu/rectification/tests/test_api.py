"""The rectification API: scoped, filtered problem lists; one problem with its measures and
history; progress and submission through the same services as the pages, refused with 409 on a
stale version; 404 outside the principal's units; read-only tokens."""

import datetime as dt

import pytest

from jianfu.core import clock
from jianfu.core import services as core_services
from jianfu.rectification.models import MeasureKind, MeasureStatus, Source
from jianfu.rectification.problems import measures, services

TODAY = dt.date(2026, 10, 20)
LIST = "/api/rectification/problems"


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(TODAY):
        yield


def problem(by, unit, description):
    return services.problem_create(
        by=by, unit_id=unit.pk, source=Source.SELF_EXAM, description=description,
        found_on=dt.date(2026, 9, 1),
    )  # fmt: skip


def measure(by, p, content, unit, deadline, start=True):
    m = measures.measure_create(
        by=by,
        problem=p,
        data={
            "content": content,
            "kind": MeasureKind.IMMEDIATE,
            "responsible_unit_id": unit.pk,
            "responsible_person": "张三",
            "deadline": deadline,
        },
    )
    if start:
        m = measures.measure_act(by=by, measure_id=m.pk, version=m.version, action="start")
    return m


@pytest.fixture
def data(people, units):
    office = people["office"]
    late = problem(office, units["TA"], "会议过多")
    m_late = measure(office, late, "精简会议", units["TA"], dt.date(2026, 10, 16))
    measure(office, late, "合并会议", units["TA01"], dt.date(2026, 11, 30), start=False)
    on_time = problem(office, units["TA01"], "材料过多")
    m_ok = measure(office, on_time, "清理材料", units["TA01"], dt.date(2026, 12, 31))
    other = problem(office, units["TB"], "检查过多")
    m_other = measure(office, other, "合并检查", units["TB"], dt.date(2026, 12, 31))
    return {"late": late, "on_time": on_time, "other": other, "m_late": m_late, "m_ok": m_ok,
            "m_other": m_other}  # fmt: skip


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


@pytest.mark.django_db
def test_list_is_scoped_and_filtered(login, data):
    office = login("office")
    assert ids(office.get(LIST)) == {data["late"].pk, data["on_time"].pk, data["other"].pk}
    assert ids(office.get(LIST, {"unit": "TA"})) == {data["late"].pk, data["on_time"].pk}
    assert ids(office.get(LIST, {"unit": "TA01"})) == {data["on_time"].pk}
    assert ids(office.get(LIST, {"overdue": "true"})) == {data["late"].pk}
    assert data["late"].pk not in ids(office.get(LIST, {"overdue": "false"}))
    assert ids(office.get(LIST, {"status": "closed"})) == set()
    item = next(i for i in office.get(LIST).json()["items"] if i["id"] == data["late"].pk)
    assert item["unit"] == "TA" and item["unit_name"] == "甲县"
    assert item["measures_summary"] == {
        "total": 2,
        "by_status": {"in_progress": 1, "draft": 1},
        "overdue": 1,
        "next_deadline": "2026-10-16",
    }
    contact_b = login("contact_b")
    assert ids(contact_b.get(LIST)) == {data["other"].pk}
    assert contact_b.get(LIST, {"unit": "TA"}).status_code == 404


@pytest.mark.django_db
def test_list_needs_the_view_code(login, data):
    response = login("sysadmin").get(LIST)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


@pytest.mark.django_db
def test_detail_has_measures_and_steps_and_is_404_outside_scope(login, data):
    url = f"{LIST}/{data['late'].pk}"
    body = login("contact_a").get(url).json()
    assert body["description"] == "会议过多"
    first = next(m for m in body["measures"] if m["id"] == data["m_late"].pk)
    assert first["status"] == "in_progress" and first["overdue"] is True
    assert first["responsible_unit"] == "TA" and first["version"] == data["m_late"].version
    kinds = [s["kind"] for s in body["steps"]]
    assert kinds[0] == "created" and "started" in kinds
    assert login("contact_b").get(url).status_code == 404
    assert login("contact_b").get(f"{LIST}/999999").status_code == 404


@pytest.mark.django_db
def test_progress_and_submit(login, data):
    client = login("contact_a")
    m = data["m_late"]
    url = f"/api/rectification/measures/{m.pk}"
    response = client.post(
        f"{url}/progress", {"version": m.version, "note": "已精简 2 个会议"}, "application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["progress"] == "已精简 2 个会议" and body["version"] == m.version + 1
    response = client.post(
        f"{url}/submit", {"version": body["version"], "note": "已完成"}, "application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == MeasureStatus.SUBMITTED
    # Submitting again is a refused transition, not a 500.
    again = client.post(
        f"{url}/submit", {"version": response.json()["version"], "note": "x"}, "application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "transition"


@pytest.mark.django_db
def test_a_stale_version_is_a_409_and_changes_nothing(login, data):
    client = login("contact_a")
    m = data["m_late"]
    url = f"/api/rectification/measures/{m.pk}/progress"
    first = client.post(url, {"version": m.version, "note": "第一次"}, "application/json")
    assert first.status_code == 200
    stale = client.post(url, {"version": m.version, "note": "第二次"}, "application/json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict" and "您的保存未生效" in stale.json()["detail"]
    m.refresh_from_db()
    assert m.progress == "第一次" and m.version == first.json()["version"]


@pytest.mark.django_db
def test_writes_outside_scope_are_404_and_without_the_code_403(login, data):
    m = data["m_late"]
    body = {"version": m.version, "note": "x"}
    url = f"/api/rectification/measures/{m.pk}/progress"
    assert login("contact_b").post(url, body, "application/json").status_code == 404
    assert login("leader").post(url, body, "application/json").status_code == 403
    m.refresh_from_db()
    assert m.progress == ""


@pytest.mark.django_db
def test_a_token_reads_its_county_but_cannot_write(client, people, units, data):
    _token, secret = core_services.token_issue(
        by=people["secadmin"],
        name="甲县OA",
        unit=units["TA"],
        scopes=["rectification.problem:view"],
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert ids(client.get(LIST, **auth)) == {data["late"].pk, data["on_time"].pk}
    assert client.get(f"{LIST}/{data['other'].pk}", **auth).status_code == 404
    m = data["m_late"]
    response = client.post(
        f"/api/rectification/measures/{m.pk}/progress",
        {"version": m.version, "note": "x"},
        "application/json",
        **auth,
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_list_bounds_its_queries(login, people, units, django_assert_max_num_queries):
    client = login("office")
    for n in range(3):
        p = problem(people["office"], units["TA"], f"问题 {n}")
        measure(people["office"], p, "措施", units["TA"], dt.date(2026, 12, 31))
    with django_assert_max_num_queries(12) as few:
        assert len(client.get(LIST).json()["items"]) == 3
    for n in range(3, 30):
        p = problem(people["office"], units["TA"], f"问题 {n}")
        measure(people["office"], p, "措施", units["TA"], dt.date(2026, 12, 31))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(LIST).json()["items"]) == 30
