"""The registry pages: registering, editing and deleting through forms (audited, before and
after), the lists' filters and their bounded queries, the record's history, the quota table and the
counting rules page."""

import datetime as dt
import io

import pytest
from django.urls import reverse

from jianfu.core import clock, excel, runtime
from jianfu.core.models import AuditEntry, RuntimeSetting
from jianfu.registry.models import Document, Inspection, Meeting, MonthlyUsage, Quota
from jianfu.registry.records import services

TODAY = dt.date(2025, 6, 15)


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(TODAY):
        yield


def doc(by, unit, n=1, **fields):
    values = {
        "title": f"关于做好第{n}项工作的通知",
        "issued_on": dt.date(2025, 3, 5),
        "kind": "red_header",
        "number": f"甲发〔2025〕{n}号",
    }
    values.update(fields)
    co_units = values.pop("co_units", ())
    return services.record_create(Document, by=by, unit=unit, co_units=co_units, **values)


def meeting(by, unit, **fields):
    values = {
        "title": "全县安全生产工作会议",
        "held_on": dt.date(2025, 4, 2),
        "level": "county",
        "form": "in_person",
    }
    values.update(fields)
    return services.record_create(Meeting, by=by, unit=unit, **values)


def inspection(by, unit, **fields):
    values = {
        "title": "秸秆禁烧专项督查",
        "kind": "supervision",
        "method": "on_site",
        "starts_on": dt.date(2025, 5, 6),
        "ends_on": dt.date(2025, 5, 8),
    }
    values.update(fields)
    co_units = values.pop("co_units", ())
    return services.record_create(Inspection, by=by, unit=unit, co_units=co_units, **values)


DOC_POST = {
    "title": "关于开展防汛检查的通知",
    "number": "甲政办〔2025〕8号",
    "issued_on": "2025-04-01",
    "kind": "red_header",
    "addressed_levels": ["township", "village"],
    "pages": "3",
    "characters": "2100",
}


# --- Registering --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_contact_registers_a_document_for_own_county_by_default(login, units):
    client = login("contact_a")
    page = client.get(reverse("document_create"))
    assert page.status_code == 200
    # The unit defaults to the contact's home unit (a select of the county's units).
    assert '<option value="TA" selected' in page.content.decode()
    response = client.post(reverse("document_create"), DOC_POST | {"unit": "TA"})
    obj = Document.objects.get(number="甲政办〔2025〕8号")
    assert response.status_code == 302 and response.url == reverse("document_detail", args=[obj.pk])
    assert obj.unit == units["TA"] and obj.counted and obj.reaches_grassroots
    assert obj.addressed_levels == ["township", "village"] and obj.pages == 3
    entry = AuditEntry.objects.get(code="jianfu.registry.document.created", object_id=str(obj.pk))
    assert entry.changes["title"] == [None, "关于开展防汛检查的通知"]
    assert entry.actor_name == "contact_a"


@pytest.mark.django_db
def test_contact_cannot_register_for_another_county(login, units):
    client = login("contact_a")
    response = client.post(reverse("document_create"), DOC_POST | {"unit": "TB"})
    assert response.status_code == 400
    assert "找不到单位" in response.content.decode()
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_office_chooses_any_unit_in_scope_and_names_co_issuers(login, units):
    client = login("office")
    data = DOC_POST | {"unit": "TA", "kind": "joint", "co_issuers": "乙县、教育局"}
    response = client.post(reverse("document_create"), data)
    assert response.status_code == 302
    obj = Document.objects.get()
    assert obj.unit == units["TA"]
    assert set(obj.co_issuers.values_list("code", flat=True)) == {"TB", "TD01"}


@pytest.mark.django_db
def test_unknown_co_issuer_is_an_error_with_suggestions_and_the_typing_survives(login):
    client = login("office")
    data = DOC_POST | {"unit": "TA", "kind": "joint", "co_issuers": "乙县、甲一"}
    response = client.post(reverse("document_create"), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "找不到单位“甲一”" in body and "甲一镇" in body
    assert 'value="乙县、甲一"' in body and 'value="关于开展防汛检查的通知"' in body
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_domain_error_lands_on_its_field_and_the_typing_survives(login):
    client = login("contact_a")
    data = DOC_POST | {"unit": "TA", "number": ""}
    response = client.post(reverse("document_create"), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "红头文件须填写文号" in body
    assert 'aria-invalid="true"' in body
    assert 'value="关于开展防汛检查的通知"' in body and 'value="2100"' in body
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_duplicate_number_is_refused(login, people, units):
    doc(people["contact_a"], units["TA"], number="甲政办〔2025〕8号")
    response = login("contact_a").post(reverse("document_create"), DOC_POST | {"unit": "TA"})
    assert response.status_code == 400
    assert "已经登记过" in response.content.decode()
    assert Document.objects.count() == 1


@pytest.mark.django_db
def test_meeting_form_end_before_start_and_merged_meeting(login, people, units):
    client = login("contact_a")
    data = {
        "unit": "TA",
        "title": "防汛工作会",
        "held_on": "2025-05-01",
        "starts_at": "10:00",
        "ends_at": "09:00",
        "level": "county",
        "form": "video",
        "attend_levels": ["township"],
    }
    response = client.post(reverse("meeting_create"), data)
    assert response.status_code == 400
    assert "结束时间须晚于开始时间" in response.content.decode()
    main = meeting(people["contact_a"], units["TA"])
    data |= {"ends_at": "11:00", "form": "merged", "merged_with": str(main.pk)}
    assert client.post(reverse("meeting_create"), data).status_code == 302
    merged = Meeting.objects.get(title="防汛工作会")
    assert merged.merged_with == main and not merged.counted and merged.grassroots_required


@pytest.mark.django_db
def test_the_meetings_offered_to_merge_into_are_the_newest_in_scope(login, people, units):
    """The office and a county's contact (the top two levels: walked newest first) and a
    township's contact (its own meetings, joined and sorted) are offered the same kind of list:
    in scope, newest first, without the meetings already merged into another."""
    from jianfu.core.models import RoleGrant, Unit, User
    from jianfu.registry.records.queries import merge_candidates

    office, contact = people["office"], people["contact_a"]
    township = User.objects.create(username="contact_t", home_unit=Unit.objects.get(code="TA01"))
    RoleGrant.objects.create(user=township, role="contact")
    old = meeting(office, units["TA"], title="甲县旧会", held_on=dt.date(2025, 1, 5))
    new = meeting(office, units["TA"], title="甲县新会", held_on=dt.date(2025, 5, 5))
    other = meeting(office, units["TB"], title="乙县会", held_on=dt.date(2025, 3, 5))
    meeting(office, units["TA"], title="并入的会", form="merged", merged_with=new)
    town_old = meeting(office, units["TA01"], title="甲一镇旧会", held_on=dt.date(2025, 2, 1))
    town_new = meeting(office, units["TA01"], title="甲一镇新会", held_on=dt.date(2025, 4, 1))
    assert merge_candidates(office) == [new, town_new, other, town_old, old]
    assert merge_candidates(contact) == [new, town_new, town_old, old]
    assert merge_candidates(contact, exclude_pk=new.pk) == [town_new, town_old, old]
    assert merge_candidates(office, limit=2) == [new, town_new]
    assert merge_candidates(township) == [town_new, town_old]
    assert merge_candidates(township, limit=1) == [town_new]


@pytest.mark.django_db
def test_inspection_form_with_targets(login, units):
    client = login("contact_a")
    data = {
        "unit": "TA",
        "title": "安全生产大检查",
        "kind": "check",
        "method": "phone",
        "starts_on": "2025-05-01",
        "ends_on": "2025-05-03",
        "forms_demanded": "4",
        "targets": "甲一镇，TA0101",
    }
    assert client.post(reverse("inspection_create"), data).status_code == 302
    obj = Inspection.objects.get()
    assert set(obj.targets.values_list("code", flat=True)) == {"TA01", "TA0101"}
    assert obj.counted and not obj.in_plan and obj.forms_demanded == 4
    # A target in another county does not exist for this contact.
    data["targets"] = "乙一镇"
    response = client.post(reverse("inspection_create"), data)
    assert response.status_code == 400 and "找不到单位“乙一镇”" in response.content.decode()


@pytest.mark.django_db
def test_leader_reads_but_cannot_register(login, people, units):
    obj = doc(people["office"], units["TA"])
    client = login("leader")
    assert client.get(reverse("document_detail", args=[obj.pk])).status_code == 200
    assert client.get(reverse("document_create")).status_code == 403
    assert client.post(reverse("document_create"), DOC_POST | {"unit": "TA"}).status_code == 403
    assert client.post(reverse("document_delete", args=[obj.pk])).status_code == 403
    assert Document.objects.count() == 1


# --- Editing, deleting, history ---------------------------------------------------------------


@pytest.mark.django_db
def test_edit_is_audited_with_before_and_after_and_shown_in_history(login, people, units):
    obj = doc(people["contact_a"], units["TA"], co_units=[units["TA01"]], kind="joint")
    client = login("contact_a")
    page = client.get(reverse("document_edit", args=[obj.pk]))
    assert 'value="甲一镇"' in page.content.decode()
    data = DOC_POST | {"title": "改过的标题", "number": obj.number, "co_issuers": "甲一镇"}
    response = client.post(reverse("document_edit", args=[obj.pk]), data)
    assert response.status_code == 302
    entry = AuditEntry.objects.get(code="jianfu.registry.document.updated", object_id=str(obj.pk))
    assert entry.changes["title"] == ["关于做好第1项工作的通知", "改过的标题"]
    assert entry.changes["kind"] == ["joint", "red_header"]
    detail = client.get(reverse("document_detail", args=[obj.pk])).content.decode()
    assert "修改发文" in detail and "改过的标题" in detail and "关于做好第1项工作的通知" in detail
    assert "联合发文" in detail  # the before value, by its label


@pytest.mark.django_db
def test_unit_is_fixed_once_registered(login, people, units):
    obj = doc(people["office"], units["TA"])
    client = login("office")
    data = DOC_POST | {"unit": "TB", "number": obj.number}
    assert client.post(reverse("document_edit", args=[obj.pk]), data).status_code == 302
    obj.refresh_from_db()
    assert obj.unit == units["TA"]


@pytest.mark.django_db
def test_delete_asks_first_then_is_audited(login, people, units):
    obj = doc(people["contact_a"], units["TA"])
    client = login("contact_a")
    confirm = client.get(reverse("document_delete", args=[obj.pk]))
    assert confirm.status_code == 200 and "确认删除" in confirm.content.decode()
    assert Document.objects.filter(pk=obj.pk).exists()
    response = client.post(reverse("document_delete", args=[obj.pk]))
    assert response.status_code == 302 and response.url == reverse("document_list")
    assert not Document.objects.filter(pk=obj.pk).exists()
    entry = AuditEntry.objects.get(code="jianfu.registry.document.deleted", object_id=str(obj.pk))
    assert entry.changes["title"] == ["关于做好第1项工作的通知", None]
    assert not MonthlyUsage.objects.filter(unit=units["TA"], counted__gt=0).exists()


@pytest.mark.django_db
def test_detail_shows_counting_reason_co_units_and_history(login, people, units):
    obj = doc(
        people["office"],
        units["TA"],
        kind="white_header",
        number="",
        assigns_work=True,
        co_units=[units["TD01"]],
    )
    body = login("discipline").get(reverse("document_detail", args=[obj.pk])).content.decode()
    assert "计入指标" in body and "向基层布置工作，按现行计数规则计入发文指标" in body
    assert "市教育局" in body
    assert "登记发文" in body  # the history, values included, for whoever may see the record


# --- Lists --------------------------------------------------------------------------------------


@pytest.fixture
def mixed(people, units):
    office, a, b = people["office"], units["TA"], units["TB"]
    return {
        "red": doc(office, a, 1, addressed_levels=["township"]),
        "white": doc(office, a, 2, kind="white_header", number="", title="白头通知"),
        "old": doc(office, a, 3, issued_on=dt.date(2024, 11, 2)),
        "july": doc(office, units["TA01"], 4, issued_on=dt.date(2025, 7, 9)),
        "b": doc(office, b, 5, number="乙发〔2025〕5号"),
    }


def _titles(response) -> set[str]:
    body = response.content.decode()
    return {t for t in Document.objects.values_list("title", flat=True) if t in body}


@pytest.mark.django_db
def test_list_defaults_to_this_year_and_counts(login, mixed):
    response = login("office").get(reverse("document_list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert mixed["old"].title not in body
    assert "共 <strong>4</strong> 条，其中计入指标 <strong>3</strong> 条" in body


@pytest.mark.django_db
def test_list_filters(login, mixed, units):
    client = login("office")
    url = reverse("document_list")

    def titles(**params):
        return _titles(client.get(url, params))

    m = {k: v.title for k, v in mixed.items()}
    assert titles(year="") == set(m.values())
    assert titles(year="2025", kind="white_header") == {m["white"]}
    assert titles(year="2025", counted="0") == {m["white"]}
    assert titles(year="2025", counted="1") == {m["red"], m["july"], m["b"]}
    assert titles(year="2025", month_from="7", month_to="12") == {m["july"]}
    assert titles(year="", month_from="11") == {m["old"]}
    assert titles(year="2025", grassroots="1") == {m["red"]}
    assert titles(year="2025", unit=str(units["TA"].pk)) == {m["red"], m["white"]}
    assert titles(year="2025", unit=str(units["TA"].pk), subtree="on") == {
        m["red"],
        m["white"],
        m["july"],
    }
    assert titles(year="2025", q="乙发") == {m["b"]}
    assert titles(year="2025", q="白头") == {m["white"]}


@pytest.mark.django_db
def test_counts_from_the_rollup_match_the_records(people, mixed, units):
    from jianfu.registry.records import queries

    cases = [
        queries.RecordFilter(year=2025),
        queries.RecordFilter(year=2025, month_from=3, month_to=6),
        queries.RecordFilter(month_from=11),
        queries.RecordFilter(unit=units["TA"]),
        queries.RecordFilter(unit=units["TA"], subtree=True, year=2025),
    ]
    for who in ("office", "contact_a", "contact_b"):
        for f in cases:
            qs = queries.records_for(people[who], Document, f)
            assert queries.totals_for(people[who], Document, f, qs) == queries.totals(qs), (who, f)


@pytest.mark.django_db
def test_list_sorts_by_date(login, mixed):
    client = login("office")
    newest = client.get(reverse("document_list"), {"year": ""}).content.decode()
    oldest = client.get(reverse("document_list"), {"year": "", "sort": "date"}).content.decode()
    assert newest.index(mixed["july"].title) < newest.index(mixed["old"].title)
    assert oldest.index(mixed["old"].title) < oldest.index(mixed["july"].title)


@pytest.mark.django_db
def test_contact_list_shows_own_county_only(login, mixed):
    m = {k: v.title for k, v in mixed.items()}
    assert _titles(login("contact_b").get(reverse("document_list"), {"year": ""})) == {m["b"]}


@pytest.mark.django_db
def test_htmx_filter_returns_the_rows_partial(login, mixed):
    response = login("office").get(
        reverse("document_list"),
        {"year": "2025", "kind": "white_header"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="record-rows",
    )
    body = response.content.decode()
    assert "<html" not in body and "白头通知" in body
    assert "共 <strong>1</strong> 条" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "make"), [("document", doc), ("meeting", meeting), ("inspection", inspection)]
)
def test_list_queries_are_bounded(login, people, units, django_assert_max_num_queries, name, make):
    office = people["office"]
    client = login("office")
    url = reverse(f"{name}_list")

    def add(start, count):
        for i in range(start, start + count):
            extra = {"co_units": [units["TA01"], units["TB"]]} if name != "meeting" else {}
            if name == "document":
                make(office, units["TA"], i, **extra)
            else:
                make(office, units["TA"], title=f"第{i}条", **extra)

    add(0, 3)
    client.get(url)  # warm the session and caches
    with django_assert_max_num_queries(14) as first:
        assert client.get(url).status_code == 200
    add(3, 27)
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="jf-title"') == 30


@pytest.mark.django_db
def test_export_is_scoped_and_filtered(login, mixed):
    response = login("contact_a").get(reverse("document_export"), {"year": ""})
    assert response.status_code == 200
    rows = excel.read_rows("x.xlsx", response.content)
    text = "".join(str(c) for r in rows for c in r)
    assert mixed["red"].title in text and mixed["july"].title in text
    assert mixed["b"].title not in text
    assert AuditEntry.objects.filter(code="jianfu.registry.exported").exists()


# --- Import -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_page_offers_the_template(login):
    client = login("contact_a")
    page = client.get(reverse("document_import"))
    assert page.status_code == 200 and reverse("document_template") in page.content.decode()
    template = client.get(reverse("document_template"))
    assert template.status_code == 200 and template.content[:2] == b"PK"


def _upload(name: str, data: bytes):
    f = io.BytesIO(data)
    f.name = name
    return f


@pytest.mark.django_db
def test_import_shows_errors_by_row_and_saves_nothing(login):
    csv = (
        "标题,发文日期,文件类型,文号\n,2025-03-05,红头文件,甲1号\n通知,2025-13-40,红头文件,甲2号\n"
    )
    response = login("contact_a").post(
        reverse("document_import"), {"file": _upload("bad.csv", csv.encode("gbk"))}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "导入未成功，未保存任何数据" in body
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_import_exported_file_round_trips(login, mixed):
    client = login("contact_a")
    exported = client.get(reverse("document_export"), {"year": ""}).content
    response = client.post(reverse("document_import"), {"file": _upload("x.xlsx", exported)})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Document.objects.count() == 5


# --- Counting verdict beside the form ----------------------------------------------------------


@pytest.mark.django_db
def test_counting_preview_explains_the_verdict(login):
    client = login("contact_a")
    url = reverse("document_counting")
    counted = client.get(url, {"kind": "workgroup", "assigns_work": "on"}).content.decode()
    assert "将计入指标" in counted and "工作群通知" in counted
    not_counted = client.get(url, {"kind": "workgroup"}).content.decode()
    assert "不计入指标" in not_counted
    video = client.get(reverse("meeting_counting"), {"form": "video"}).content.decode()
    assert "视频会议" in video and "将计入指标" in video


@pytest.mark.django_db
def test_form_shows_the_rule_table(login):
    body = login("contact_a").get(reverse("document_create")).content.decode()
    assert "向基层布置工作时计入" in body and "红头文件计入发文指标" in body


# --- Quotas -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_quota_page_lists_counties_and_departments(login, units):
    body = login("office").get(reverse("quota_settings")).content.decode()
    assert "甲县" in body and "乙县" in body and "市教育局" in body
    assert "甲一镇" not in body
    assert reverse("quota_cell") in body


@pytest.mark.django_db
def test_quota_inline_set_by_htmx(login, units):
    client = login("office")
    response = client.post(
        reverse("quota_cell"),
        {"unit": units["TA"].pk, "year": 2025, "category": "document", "limit": "120"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "已保存" in body and 'value="120"' in body and "<html" not in body
    quota = Quota.objects.get(unit=units["TA"], year=2025, category="document")
    assert quota.limit == 120
    assert AuditEntry.objects.filter(code="jianfu.registry.quota.set").exists()
    bad = client.post(
        reverse("quota_cell"),
        {"unit": units["TA"].pk, "year": 2025, "category": "document", "limit": "-3"},
        HTTP_HX_REQUEST="true",
    )
    assert "不小于 0" in bad.content.decode() and 'value="-3"' in bad.content.decode()
    assert Quota.objects.get(pk=quota.pk).limit == 120


@pytest.mark.django_db
def test_quota_cell_without_js_redirects_back(login, units):
    response = login("office").post(
        reverse("quota_cell"),
        {"unit": units["TB"].pk, "year": 2025, "category": "meeting", "limit": "30"},
    )
    assert response.status_code == 302 and "year=2025" in response.url
    assert Quota.objects.get(unit=units["TB"], year=2025, category="meeting").limit == 30


@pytest.mark.django_db
def test_quotas_are_read_only_for_leader_and_contact(login, units):
    leader = login("leader")
    page = leader.get(reverse("quota_settings")).content.decode()
    assert reverse("quota_cell") not in page
    data = {"unit": units["TA"].pk, "year": 2025, "category": "document", "limit": "1"}
    assert leader.post(reverse("quota_cell"), data).status_code == 403
    contact = login("contact_a")
    assert contact.post(reverse("quota_cell"), data).status_code == 403
    assert not Quota.objects.exists()


@pytest.mark.django_db
def test_quota_bulk_from_last_year_cuts_the_counted_total(login, people, units):
    for i in range(10):
        doc(people["office"], units["TA"], i, issued_on=dt.date(2024, 3, 1))
    doc(
        people["office"],
        units["TA"],
        99,
        kind="white_header",
        number="",
        issued_on=dt.date(2024, 3, 1),
    )
    response = login("office").post(
        reverse("quota_bulk"),
        {
            "year": "2025",
            "category": "document",
            "units": "county",
            "cut_pct": "30",
            "confirm": "1",
        },
    )
    assert response.status_code == 302
    assert Quota.objects.get(unit=units["TA"], year=2025, category="document").limit == 7
    assert Quota.objects.get(unit=units["TB"], year=2025, category="document").limit == 0
    assert not Quota.objects.filter(unit=units["TD01"]).exists()
    page = login("office").get(reverse("quota_settings"), {"year": "2025"}).content.decode()
    assert "上年 10" in page


@pytest.mark.django_db
def test_quota_import_page(login):
    client = login("office")
    assert client.get(reverse("quota_import")).status_code == 200
    assert client.get(reverse("quota_template")).content[:2] == b"PK"
    assert login("leader").get(reverse("quota_import")).status_code == 403


# --- Counting rules -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_counting_rules_page_shows_fixed_and_switchable_rules(login):
    body = login("contact_a").get(reverse("counting_rules")).content.decode()
    assert "联合发文只计一次" in body
    assert "向基层布置工作的白头文件计入发文指标" in body
    assert 'name="key"' not in body  # read only for a contact


@pytest.mark.django_db
def test_office_changes_a_counting_rule_and_records_are_recounted(
    login, people, units, django_capture_on_commit_callbacks
):
    white = doc(people["office"], units["TA"], kind="white_header", number="", assigns_work=True)
    assert white.counted
    client = login("office")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("counting_rules"), {"key": "counting.white_header_assigning", "value": "0"}
        )
    assert response.status_code == 302
    assert len(callbacks) == 1  # the recount is enqueued after the commit
    white.refresh_from_db()
    assert not white.counted
    assert runtime.get("counting.white_header_assigning") is False
    assert AuditEntry.objects.filter(code="jianfu.core.setting.changed").exists()
    usage = MonthlyUsage.objects.get(unit=units["TA"], year=2025, month=3, category="document")
    assert usage.counted == 0 and usage.total == 1


@pytest.mark.django_db
def test_counting_rules_cannot_be_changed_by_others(login):
    for who in ("leader", "contact_a"):
        response = login(who).post(
            reverse("counting_rules"), {"key": "counting.video_meetings", "value": "0"}
        )
        assert response.status_code == 403
    assert not RuntimeSetting.objects.filter(key="counting.video_meetings").exists()


@pytest.mark.django_db
def test_the_list_filters_offer_the_units_and_years_with_records_in_scope(people, units):
    from jianfu.registry.records.queries import units_with_records, years_with_records

    office = people["office"]
    meeting(office, units["TA"], held_on=dt.date(2024, 4, 2))
    meeting(office, units["TA01"], held_on=dt.date(2025, 4, 2))
    meeting(office, units["TB"], held_on=dt.date(2023, 4, 2))
    assert years_with_records(office, Meeting) == [2025, 2024, 2023]
    assert years_with_records(people["contact_a"], Meeting) == [2025, 2024]
    assert years_with_records(people["contact_b"], Meeting) == [2023]
    assert years_with_records(people["contact_b"], Document) == []
    codes = [u.code for u in units_with_records(office, Meeting)]
    assert codes == ["TA", "TA01", "TB"]
    assert [u.code for u in units_with_records(office, Meeting, limit=1)] == ["TA", "TA01"]
    assert [u.code for u in units_with_records(people["contact_b"], Meeting)] == ["TB"]
